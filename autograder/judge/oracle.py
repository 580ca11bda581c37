"""What the right answers are, computed by PyTorch itself (conv2d, autograd) rather than typed in.

Only the numbers the chapter prints are literal, and those live in the checks that quote the chapter.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """X (H, W), K (h, w) -> (H - h + 1, W - w + 1), float64, by torch.nn.functional.conv2d (which cross-correlates)."""
    return F.conv2d(X.double()[None, None], K.double()[None, None])[0, 0]


def convolve2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """True convolution: cross-correlation with K flipped on both axes."""
    return corr2d(X, torch.flip(K, (0, 1)))


def edge_image() -> torch.Tensor:
    """The chapter's 6×8 image: ones, with columns 2..5 black (0)."""
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    return X


EDGE_KERNEL = torch.tensor([[1.0, -1.0]])


def footprint(kernel_sizes: list[tuple[int, int]], i: int, j: int, shape: tuple[int, int]) -> tuple[slice, slice]:
    """The input rows and columns output (i, j) of a stride-1 stack depends on, read off autograd's gradient."""
    X = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    Y = X[None, None]
    for h, w in kernel_sizes:
        Y = F.conv2d(Y, torch.ones(1, 1, h, w, dtype=torch.float64))
    (gradient,) = torch.autograd.grad(Y[0, 0, i, j], X)
    rows = torch.nonzero(gradient.abs().sum(1)).flatten()
    cols = torch.nonzero(gradient.abs().sum(0)).flatten()
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def design(X: torch.Tensor, kernel_size: tuple[int, int]) -> torch.Tensor:
    """The patch matrix A of a Conv2D: row per output position, columns = the h*w window values, then 1 (bias).

    With θ = (weight flattened, bias), Conv2D(X) flattened is A @ θ, and the summed squared error is |Aθ - y|².
    """
    h, w = kernel_size
    patches = F.unfold(X.double()[None, None], (h, w))[0].T          # (positions, h*w)
    return torch.cat([patches, torch.ones(patches.shape[0], 1, dtype=torch.float64)], dim=1)


def largest_curvature(A: torch.Tensor) -> float:
    """λ_max of AᵀA: plain gradient descent on |Aθ - y|² is stable for lr < 1 / λ_max."""
    return float(torch.linalg.eigvalsh(A.T @ A)[-1])


def steps_to_converge(A: torch.Tensor, lr: float, tolerance: float = 1e-6) -> int:
    """Steps until the slowest direction of gradient descent has shrunk by `tolerance`."""
    eig = torch.linalg.eigvalsh(A.T @ A)
    slowest = abs(1 - 2 * lr * float(eig[0]))
    return math.ceil(math.log(tolerance) / math.log(slowest)) if 0 < slowest < 1 else 10 ** 9
