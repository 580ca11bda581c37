"""Reference versions of the parts other parts build on, swapped in so that one bug is charged only once.

Conv2D, learn_kernel and convolve2d call `corr2d`; learn_kernel builds a `Conv2D`. When a probe names them in
its "substitute" field, the probe server puts these in the student module's globals for that probe only, so a
broken corr2d costs the corr2d checks and nothing else. They are the chapter's definitions written with
torch.nn.functional.conv2d (which cross-correlates), not the exercise's solutions, and know no check.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """X (H, W), K (h, w) -> Y (H - h + 1, W - w + 1), floating point, differentiable in X and K.

    The dtype is torch.promote_types(torch.result_type(X, K), torch.get_default_dtype()), as the exercise asks.
    """
    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    return F.conv2d(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]


class Conv2D(nn.Module):
    """kernel_size (h, w) -> weight (h, w) then bias (1,), both torch.randn; forward x (H, W) -> corr2d(x, weight) + bias."""

    def __init__(self, kernel_size: tuple[int, int]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return corr2d(x, self.weight) + self.bias


NAMES = {"corr2d": corr2d, "Conv2D": Conv2D}
