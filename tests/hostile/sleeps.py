# on top of the reference: edge_kernel sleeps for a week.
import time


def edge_kernel():
    time.sleep(7 * 24 * 3600)
    return torch.tensor([[1.0, -1.0]])
