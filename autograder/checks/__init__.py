"""Every check, grouped by part in the chapter's order. Points are declared beside each check; the core total is 100.

The chapter's end-of-section exercises form one more part, `extension` (20 points), graded only when asked for
(`--extension`); its checks always come after the core ones, so a report or an export lists them last.
"""
from __future__ import annotations

from ..judge.check import Check
from . import conv2d, convolve2d, corr2d, edges, extension, learn_kernel, receptive_field

PARTS = (corr2d.part, conv2d.part, edges.part, learn_kernel.part, convolve2d.part, receptive_field.part)
EXTENSION_PARTS = (extension.part,)


def all_checks(*, visible_only: bool = False, extension: bool = False) -> list[Check]:
    parts = PARTS + (EXTENSION_PARTS if extension else ())
    return [c for part in parts for c in part.checks if c.visible or not visible_only]


def max_score(*, visible_only: bool = False, extension: bool = False) -> float:
    return sum(c.points for c in all_checks(visible_only=visible_only, extension=extension))
