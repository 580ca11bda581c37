"""Say so when a check ran on the reference version of a part the student got wrong.

A part that uses another (Conv2D uses corr2d) is graded with the reference of that other part in its place (see
Part.uses and sandbox/prerequisites.py). When the student's own version fails its checks, their points elsewhere
stand on the reference, and the feedback says which one.
"""
from __future__ import annotations

from dataclasses import replace

from .report import CheckResult


def note(names: list[str]) -> str:
    listed = " and ".join(f"`{n}`" for n in names)
    return (f"Graded with the reference {listed} in place of yours (yours fails its own checks), so that one "
            "mistake is not charged twice.")


def noted(planned, results: tuple[CheckResult, ...]) -> tuple[CheckResult, ...]:
    """results, with the note added to each check whose substituted prerequisites include a failing part."""
    failing = {r.part for r in results if not r.passed}
    out = []
    for p, r in zip(planned, results):
        names = [n for n in p.substitute if n in failing]
        out.append(replace(r, message=f"{r.message}\n{note(names)}") if names else r)
    return tuple(out)
