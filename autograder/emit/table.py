"""Plain-text tables for the terminal: one submission's checks, and a class summary."""
from __future__ import annotations

import textwrap

from ..judge.report import Report

WIDTH = 100


def checks_table(report: Report) -> str:
    """check | points | message, one row per check, then the total."""
    name_width = min(max((len(r.name) for r in report.results), default=10), 64)
    lines = [f"{'check':<{name_width}}  {'points':>9}  message", "-" * WIDTH]
    for r in report.results:
        mark = "PASS" if r.passed else "FAIL"
        head = f"{r.name:<{name_width}}  {r.score:>4g}/{r.max_score:<4g}  {mark}"
        lines.append(head)
        if not r.passed:
            message = r.message + (f" [likely mistake: {r.diagnosis}]" if r.diagnosis else "")
            for paragraph in message.splitlines():
                lines += textwrap.wrap(paragraph, WIDTH - 6, initial_indent="      ", subsequent_indent="      ",
                                       replace_whitespace=False, drop_whitespace=False) or [""]
    lines.append("-" * WIDTH)
    lines.append(f"{'total':<{name_width}}  {report.score:>4g}/{report.max_score:<4g}")
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def summary_table(reports: list[Report]) -> str:
    """student | score | one column per part."""
    if not reports:
        return "No submissions found."
    parts = list(reports[0].parts())
    name_width = max(12, *(len(r.student) for r in reports))
    header = f"{'student':<{name_width}}  {'score':>9}  " + "  ".join(f"{p:>15}" for p in parts)
    lines = [header, "-" * len(header)]
    for r in sorted(reports, key=lambda r: r.student):
        totals = r.parts()
        cells = "  ".join(f"{f'{totals[p][0]:g}/{totals[p][1]:g}':>15}" if p in totals else f"{'':>15}" for p in parts)
        lines.append(f"{r.student:<{name_width}}  {f'{r.score:g}/{r.max_score:g}':>9}  {cells}")
    return "\n".join(lines)
