"""grades.csv: one row per student, the total and the score of each part."""
from __future__ import annotations

import csv
import io

from ..judge.report import Report


def grades_csv(reports: list[Report]) -> str:
    parts: list[str] = []
    for report in reports:
        parts += [p for p in report.parts() if p not in parts]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *parts, "notes"])
    for report in sorted(reports, key=lambda r: r.student):
        totals = report.parts()
        writer.writerow([report.student, _n(report.score), _n(report.max_score),
                         *(_n(totals[p][0]) if p in totals else "" for p in parts), " ".join(report.notes)])
    return buffer.getvalue()


def _n(x: float) -> str:
    return f"{x:g}"
