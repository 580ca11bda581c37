# Mistake: learn_kernel uses the mean squared error instead of the chapter's summed squared error,
# so with lr=0.01 every step is about 40 times too small and training does not converge.
# Everything else is the reference solution.

import torch
from torch import nn


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation of an input array with a kernel array.

    X: (H, W), K: (h, w) -> Y: (H - h + 1, W - w + 1), with
    Y[i, j] = (X[i:i + h, j:j + w] * K).sum().
    Y is floating point: its dtype is torch.promote_types(torch.result_type(X, K), torch.get_default_dtype()),
    so integer inputs give float32 and float64 inputs give float64. Gradients flow to X and K; neither input is
    modified.

    Chapter: 二维互相关运算 (2-D cross-correlation).
    """
    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    X, K = X.to(dtype), K.to(dtype)  # new tensors when the dtype changes: the caller's are never written
    h, w = K.shape
    rows = []
    for i in range(X.shape[0] - h + 1):
        row = [(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)]
        rows.append(torch.stack(row))
    return torch.stack(rows)


class Conv2D(nn.Module):
    """A 2-D convolutional layer: cross-correlation with a learned kernel plus a learned scalar bias.

    kernel_size (h, w) -> parameters weight: (h, w) and bias: (1,), both drawn from torch.randn, weight first.
    forward: x (H, W) -> (H - h + 1, W - w + 1).

    Chapter: 二维卷积层 (the 2-D convolutional layer).
    """

    def __init__(self, kernel_size: tuple[int, int]) -> None:
        """kernel_size: (h, w) -> weight: (h, w), bias: (1,), created in that order."""
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (H, W) -> corr2d(x, weight) + bias: (H - h + 1, W - w + 1)."""
        return corr2d(x, self.weight) + self.bias


def edge_image() -> torch.Tensor:
    """The chapter's test image: () -> X: (6, 8) float32, ones with columns 2..5 (X[:, 2:6]) set to 0.

    Chapter: 图像中物体边缘检测 (edge detection).
    """
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    return X


def edge_kernel() -> torch.Tensor:
    """The chapter's edge detector: () -> K: (1, 2) float32, [[1., -1.]].

    Chapter: 图像中物体边缘检测 (edge detection).
    """
    return torch.tensor([[1.0, -1.0]])


def learn_kernel(
    X: torch.Tensor,
    Y: torch.Tensor,
    kernel_size: tuple[int, int] = (1, 2),
    steps: int = 100,
    lr: float = 0.01,
    log_every: int = 5,
) -> tuple[Conv2D, list[float]]:
    """Learn a kernel and a bias that map X to Y, by plain gradient descent on the squared error.

    X: (H, W), Y: (H - h + 1, W - w + 1), kernel_size: (h, w) -> (model, losses), where model is the trained
    Conv2D(kernel_size) and losses has `steps` Python floats: losses[i - 1] is l = ((model(X) - Y) ** 2).sum()
    computed at the start of step i, before that step's update. After every step i (from 1) with
    i % log_every == 0 it prints 'Step %d, loss %.3f' % (i, l.item()).

    Chapter: 通过数据学习核数组 (learning a kernel array from data).
    """
    model = Conv2D(kernel_size)
    losses = []
    for i in range(1, steps + 1):
        Y_hat = model(X)
        l = ((Y_hat - Y) ** 2).mean()
        l.backward()  # gradients of l with respect to weight and bias

        model.weight.data -= lr * model.weight.grad
        model.bias.data -= lr * model.bias.grad

        model.weight.grad.zero_()  # backward() accumulates, so start the next step from zero
        model.bias.grad.zero_()
        losses.append(l.item())
        if i % log_every == 0:
            print('Step %d, loss %.3f' % (i, l.item()))
    return model, losses


def convolve2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """True 2-D convolution: cross-correlation with the kernel flipped on both axes.

    X: (H, W), K: (h, w) -> Y: (H - h + 1, W - w + 1), with
    Y[i, j] = sum over a, b of X[i + a, j + b] * K[h - 1 - a, w - 1 - b], i.e. corr2d(X, torch.flip(K, (0, 1))).
    Floating point like corr2d.

    Chapter: 互相关运算和卷积运算 (cross-correlation and convolution).
    """
    return corr2d(X, torch.flip(K, (0, 1)))


def receptive_field(kernel_sizes: list[tuple[int, int]]) -> tuple[int, int]:
    """Receptive-field size of one output element of a stack of stride-1, unpadded layers.

    kernel_sizes: [(h1, w1), (h2, w2), ...] -> (1 + Σ(h_i - 1), 1 + Σ(w_i - 1)).
    [(2, 2)] -> (2, 2) (4 cells); [(2, 2), (2, 2)] -> (3, 3) (9 cells); [] -> (1, 1).

    Chapter: 特征图和感受野 (feature maps and receptive fields).
    """
    rh, rw = 1, 1
    for h, w in kernel_sizes:
        rh, rw = rh + h - 1, rw + w - 1
    return rh, rw


def receptive_field_region(kernel_sizes: list[tuple[int, int]], i: int, j: int) -> tuple[slice, slice]:
    """Input region seen by output element (i, j) of a stack of stride-1, unpadded layers.

    kernel_sizes: [(h1, w1), ...], (i, j) -> (slice(i, i + rh), slice(j, j + rw)), where
    (rh, rw) = receptive_field(kernel_sizes); X[region] is the receptive field.

    Chapter: 特征图和感受野 (feature maps and receptive fields).
    """
    rh, rw = receptive_field(kernel_sizes)
    return slice(i, i + rh), slice(j, j + rw)
