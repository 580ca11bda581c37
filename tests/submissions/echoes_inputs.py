# Every function prints its inputs and raises an exception that repeats them, to 4 decimals. The checks with
# hidden inputs must not pass those values on to the student (only the instructor's report keeps what it printed).
import torch
from torch import nn


def _spell(*values) -> str:
    numbers = []
    for value in values:
        if isinstance(value, torch.Tensor):
            numbers += value.detach().double().flatten().tolist()
        elif isinstance(value, (list, tuple)):
            numbers += [float(v) for item in value for v in (item if isinstance(item, (list, tuple)) else [item])]
        elif isinstance(value, (int, float)):
            numbers.append(float(value))
    text = " ".join(f"{n:.4f}" for n in numbers)
    print(text)
    return text


def corr2d(X, K):
    raise ValueError(_spell(X, K))


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        raise ValueError(_spell(x, self.weight, self.bias))


def edge_image():
    raise ValueError("no inputs")


def edge_kernel():
    raise ValueError("no inputs")


def learn_kernel(X, Y, kernel_size=(1, 2), steps=100, lr=0.01, log_every=5):
    raise ValueError(_spell(X, Y, kernel_size, steps, lr, log_every))


def convolve2d(X, K):
    raise ValueError(_spell(X, K))


def receptive_field(kernel_sizes):
    raise ValueError(_spell(kernel_sizes))


def receptive_field_region(kernel_sizes, i, j):
    raise ValueError(_spell(kernel_sizes, i, j))
