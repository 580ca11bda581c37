# on top of the reference: it reads stdin at import (and gets nothing), and edge_kernel waits for a line of input.
import os
import sys

_everything = sys.stdin.read()
_raw = os.read(0, 100)


def edge_kernel():
    return torch.tensor([[float(input("kernel? ")), -1.0]])
