# on top of the reference: edge_image calls sys.exit, edge_kernel ends its process with os._exit.
import os
import sys


def edge_image():
    sys.exit(2)


def edge_kernel():
    os._exit(1)
