"""Assertions the checks make about decoded answers. Each failure raises Fail with a message for the student."""
from __future__ import annotations

import math

import torch

from ..sandbox.wire import ModuleValue, Tensor, Unsupported


class Fail(Exception):
    """The check fails with this message (and, optionally, a named diagnosis)."""

    def __init__(self, message: str, diagnosis: str = "") -> None:
        super().__init__(message)
        self.message, self.diagnosis = message, diagnosis


def describe(value) -> str:
    """What came back, in words, without its contents."""
    if isinstance(value, Unsupported):
        return f"a {value.reason or value.type_name}" if value.reason else f"a {value.type_name}"
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.data.shape)}"
    if isinstance(value, ModuleValue):
        return f"a {value.type_name} module"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def tensor(value, what: str) -> torch.Tensor:
    """The plain tensor inside an answer, or Fail if the answer is not a tensor."""
    if not isinstance(value, Tensor):
        raise Fail(f"{what} should be a torch.Tensor, got {describe(value)}.")
    return value.data


def floating(t: torch.Tensor, what: str) -> None:
    if not t.is_floating_point():
        raise Fail(f"{what} has dtype {t.dtype}; it should be floating point (the chapter prints 19., 25., ...).",
                   "values truncated to integers")


def close(got: torch.Tensor, want: torch.Tensor, *, what: str, show: bool, atol: float = 1e-5,
          rtol: float = 1e-4, hint: str = "") -> None:
    """`got` equals `want` in shape and values; on a visible check the message shows both tensors."""
    if tuple(got.shape) != tuple(want.shape):
        raise Fail(f"{what} has shape {tuple(got.shape)}, expected {tuple(want.shape)}." + (f" {hint}" if hint else ""))
    if got.is_floating_point() and not bool(torch.isfinite(got).all()):
        raise Fail(f"{what} contains NaN or infinite values.")
    if torch.allclose(got.double(), want.double(), atol=atol, rtol=rtol):
        return      # assert_close's own test; its first call imports torch.distributed (1-2 s), so only for messages
    try:
        torch.testing.assert_close(got.double(), want.double(), atol=atol, rtol=rtol)
    except AssertionError as error:
        detail = " ".join(line.strip() for line in str(error).splitlines()[1:4] if line.strip())
        shown = f"\nexpected:\n{_fmt(want)}\ngot:\n{_fmt(got)}" if show else ""
        raise Fail(f"{what} has wrong values. {detail}{shown}") from None


def number(value, what: str) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise Fail(f"{what} should be a finite number, got {describe(value) if type(value) not in (int, float) else value}.")
    return float(value)


def equal(got, want, *, what: str, show: bool = True) -> None:
    if got != want:
        raise Fail(f"{what}: expected {want!r}, got {got!r}." if show else f"{what} is not right.")


def unchanged(before: torch.Tensor, after, *, what: str) -> None:
    after_t = tensor(after, what)
    if after_t.shape != before.shape or not torch.equal(after_t.to(before.dtype), before):
        raise Fail(f"{what} was modified in place; a function must leave its inputs unchanged.",
                   "inputs modified in place")


def _fmt(t: torch.Tensor) -> str:
    return "\n".join("  " + line for line in str(t.detach()).splitlines())
