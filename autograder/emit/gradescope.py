"""Gradescope's results.json: `score`, `max_score`, `tests[]` (name, score, max_score, status, output, visibility)."""
from __future__ import annotations

from ..judge.report import Report

HIDDEN_VISIBILITY = "after_published"   # Gradescope shows hidden checks once grades are published


def results(report: Report, *, hidden_visibility: str = HIDDEN_VISIBILITY) -> dict:
    tests = [{"name": r.name, "score": r.score, "max_score": r.max_score, "status": r.status,
              "output": r.message + (f"\nLikely mistake: {r.diagnosis}." if r.diagnosis and not r.passed else ""),
              "visibility": "visible" if r.visible else hidden_visibility}
             for r in report.results]
    output = "\n".join(report.notes)
    data = {"score": report.score, "max_score": report.max_score, "tests": tests,
            "visibility": "visible", "stdout_visibility": "hidden"}
    if output:
        data["output"] = output
    return data
