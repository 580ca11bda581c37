"""Every check, grouped by part in the chapter's order. Points are declared beside each check; the total is 100."""
from __future__ import annotations

from ..judge.check import Check
from . import conv2d, convolve2d, corr2d, edges, learn_kernel, receptive_field

PARTS = (corr2d.part, conv2d.part, edges.part, learn_kernel.part, convolve2d.part, receptive_field.part)


def all_checks(*, visible_only: bool = False) -> list[Check]:
    return [c for part in PARTS for c in part.checks if c.visible or not visible_only]


def max_score(*, visible_only: bool = False) -> float:
    return sum(c.points for c in all_checks(visible_only=visible_only))
