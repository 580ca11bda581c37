"""What a visible check keeps of the student's answers for pictures: small plain data, never a hidden input.

A Trial may have an `observe(*answers) -> dict` beside its `verify`; for visible checks only, the grader stores
its result in CheckResult.observed, after making sure it is small, finite, plain JSON. Anything else is dropped:
a picture is never worth a failed grading.
"""
from __future__ import annotations

import json
import math

from ..sandbox.wire import Tensor

LIMIT_CHARS = 32 * 1024     # the JSON of one check's observations
LIMIT_SIDE = 64             # rows or columns of a matrix worth drawing


def matrix(value, *, side: int = LIMIT_SIDE) -> list[list[float]] | None:
    """A decoded 2-D tensor of at most side × side -> rows of floats (None for anything else or non-finite)."""
    if not isinstance(value, Tensor) or value.data.dim() != 2 or max(value.data.shape, default=0) > side:
        return None
    rows = value.data.double().tolist()
    return rows if all(math.isfinite(v) for row in rows for v in row) else None


def numbers(values, *, limit: int = 2000) -> list[float | None] | None:
    """A list of decoded numbers (or 1-element tensors) -> floats, non-finite ones as None."""
    if not isinstance(values, (list, tuple)) or len(values) > limit:
        return None
    out = []
    for v in values:
        if isinstance(v, Tensor) and v.data.numel() == 1:
            v = float(v.data.reshape(()))
        if type(v) not in (int, float):
            return None
        out.append(float(v) if math.isfinite(v) else None)
    return out


def kept(trial, answers: list) -> dict:
    """trial.observe(*answers) as plain JSON data within LIMIT_CHARS, or {}."""
    if trial.observe is None:
        return {}
    try:
        text = json.dumps(trial.observe(*answers), allow_nan=False)
    except Exception:                   # a malformed answer: no picture, and grading is unaffected
        return {}
    return json.loads(text) if len(text) <= LIMIT_CHARS and text.startswith("{") else {}
