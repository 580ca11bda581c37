"""report.html: the class at a glance (scores, the checks most students fail, the usual mistakes, grading time),
with a link to every student's feedback.html.

`class_report` is a pure function of the Reports; `write` puts it and any missing feedback page into the output
folder; `rebuild` does both from the report.json files a `convkit grade` left there.
"""
from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..judge.report import Report
from . import html, plots

FEEDBACK = "feedback.html"
REPORT = "report.html"
SHOWN_RATES = 10        # the most failed checks shown at once; the others fold away under <details>


@dataclass(frozen=True)
class CheckRate:
    name: str
    part: str
    visible: bool
    failed: int
    graded: int

    @property
    def rate(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class Frequent:
    diagnosis: str
    parts: tuple[str, ...]
    students: int
    checks: int


def check_rates(reports: list[Report]) -> list[CheckRate]:
    """Every check, with how many students fail it, most failed first (ties in the grader's order)."""
    order: dict[str, CheckRate] = {}
    for report in reports:
        for r in report.results:
            c = order.get(r.name) or CheckRate(r.name, r.part, r.visible, 0, 0)
            order[r.name] = CheckRate(c.name, c.part, c.visible, c.failed + (not r.passed), c.graded + 1)
    return sorted(order.values(), key=lambda c: -c.rate)


def frequent_mistakes(reports: list[Report]) -> list[Frequent]:
    """Each diagnosis with the number of students it was found in, most frequent first."""
    students: Counter = Counter()
    checks: Counter = Counter()
    parts: dict[str, list[str]] = {}
    for report in reports:
        seen = set()
        for r in report.results:
            if not r.passed and r.diagnosis:
                checks[r.diagnosis] += 1
                seen.add(r.diagnosis)
                if r.part not in parts.setdefault(r.diagnosis, []):
                    parts[r.diagnosis].append(r.part)
        students.update(seen)
    return [Frequent(d, tuple(parts[d]), n, checks[d]) for d, n in sorted(students.items(), key=lambda kv: (-kv[1], kv[0]))]


def class_report(reports: list[Report]) -> str:
    """The class page, as one self-contained HTML document; links point to <student>/feedback.html."""
    reports = sorted(reports, key=lambda r: r.student)
    rates = check_rates(reports)
    scores = [r.score for r in reports]
    seconds = [r.seconds for r in reports]
    top = max((r.max_score for r in reports), default=0.0)
    parts: list[str] = []
    for report in reports:
        parts += [p for p in report.parts() if p not in parts]
    charts = {}
    if reports:
        charts = {"scores": html.data_url(plots.score_histogram(scores, top)),
                  "seconds": html.data_url(plots.seconds_histogram(seconds))}
    summary = {
        "students": len(reports),
        "mean": statistics.fmean(scores) if scores else 0.0,
        "median": statistics.median(scores) if scores else 0.0,
        "full": sum(s == top for s in scores),
        "seconds_mean": statistics.fmean(seconds) if seconds else 0.0,
        "seconds_max": max(seconds, default=0.0),
        "seconds_total": sum(seconds),
    }
    rows = [{"report": r, "link": f"{quote(r.student)}/{FEEDBACK}", "parts": r.parts(),
             "mistakes": sorted({c.diagnosis for c in r.results if not c.passed and c.diagnosis})} for r in reports]
    return html.environment().get_template("class_report.html.j2").render(
        summary=summary, top=top, charts=charts, rates=rates, mistakes=frequent_mistakes(reports), rows=rows,
        parts=parts, slowest=sorted(reports, key=lambda r: -r.seconds)[:5], shown_rates=SHOWN_RATES)


def write(out: Path, reports: list[Report]) -> Path:
    """out/report.html, and out/<student>/feedback.html wherever it is missing (a batch resumed from older runs)."""
    from ..batch import write_atomic

    for report in reports:
        page = out / report.student / FEEDBACK
        if not page.exists():
            write_atomic(page, html.feedback(report))
    write_atomic(out / REPORT, class_report(reports))
    return out / REPORT


def load(out: Path) -> tuple[list[Report], list[Path]]:
    """The reports under out/<student>/report.json, and the files that could not be read."""
    reports, unreadable = [], []
    for path in sorted(out.glob("*/report.json")):
        try:
            report = Report.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            unreadable.append(path)
            continue
        if report.student == path.parent.name:     # the link to its feedback page must lead to this folder
            reports.append(report)
        else:
            unreadable.append(path)
    return reports, unreadable


def rebuild(out: Path) -> tuple[Path, list[Report], list[Path]]:
    """Every feedback.html and report.html again, from the report.json files in `out`."""
    from ..batch import write_atomic

    reports, unreadable = load(out)
    for report in reports:
        write_atomic(out / report.student / FEEDBACK, html.feedback(report))
    write_atomic(out / REPORT, class_report(reports))
    return out / REPORT, reports, unreadable
