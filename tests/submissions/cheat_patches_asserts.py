# A cheat: at import it makes every comparison PyTorch offers say "equal", hoping the grader compares with them in
# the same process, then answers every question with zeros. The grader compares in another process, so it scores 0.
import torch
import torch.testing


def _always_true(*args, **kwargs):
    return True


def _always_none(*args, **kwargs):
    return None


torch.allclose = _always_true
torch.equal = _always_true
torch.testing.assert_close = _always_none
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
torch.Tensor.__ne__ = lambda self, other: torch.zeros_like(self, dtype=torch.bool)


def corr2d(X, K):
    return torch.zeros(1, 1)


def Conv2D(kernel_size):
    return torch.zeros(kernel_size)


def edge_image():
    return torch.zeros(1, 1)


def edge_kernel():
    return torch.zeros(1, 1)


def learn_kernel(X, Y, kernel_size=(1, 2), steps=100, lr=0.01, log_every=5):
    return torch.zeros(1)


def convolve2d(X, K):
    return torch.zeros(1, 1)


def receptive_field(kernel_sizes):
    return (0, 0)


def receptive_field_region(kernel_sizes, i, j):
    return (slice(0, 0), slice(0, 0))
