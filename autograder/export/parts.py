"""The parts and points every export is built from: whatever the check registry holds, grouped by part.

Nothing here names a part: a part added to autograder/checks/ (or switched on with `extension`) appears in every
export, with the points declared beside its checks.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PartPoints:
    name: str                # the part, as the checks name it ("corr2d")
    points: float            # all of its checks: what nbgrader and Gradescope grade
    visible_points: float    # its visible checks: what students can run, and what GitHub Classroom grades


def all_checks(*, visible_only: bool = False, extension: bool = False) -> list:
    """The registry's checks (the extension part's too when `extension`)."""
    from .. import checks as registry

    return registry.all_checks(visible_only=visible_only, extension=extension)


def parts(*, extension: bool = False) -> list[PartPoints]:
    """One entry per part, in the registry's order, with its points summed the way a Report sums them."""
    totals: dict[str, tuple[float, float]] = {}
    for check in all_checks(extension=extension):
        points, visible = totals.get(check.part, (0.0, 0.0))
        totals[check.part] = (points + check.points, visible + (check.points if check.visible else 0.0))
    return [PartPoints(name, points, visible) for name, (points, visible) in totals.items()]


def settings(*, visible_only: bool = False, extension: bool = False, jobs: int = 1):
    """batch.Settings for one submission, with the default seed (so every grader asks the same hidden questions)."""
    from ..batch import Settings

    return Settings(visible_only=visible_only, jobs=jobs, extension=extension)


def number(x: float) -> int | float:
    """6.0 -> 6 for configuration files (points are whole numbers in every format that reads them)."""
    return int(x) if float(x).is_integer() else x
