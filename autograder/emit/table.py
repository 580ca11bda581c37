"""Plain-text tables for the terminal: one submission's checks, and a class summary.

With colour=True (the CLI asks for it only on a terminal without NO_COLOR), PASS is green, FAIL red and the
likely mistake yellow, as ANSI escapes; without it the text is the same, plain.
"""
from __future__ import annotations

import textwrap

from ..judge.report import Report

WIDTH = 100
GREEN, RED, YELLOW, BOLD, RESET = "\033[32m", "\033[31m", "\033[33m", "\033[1m", "\033[0m"


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{style}{text}{RESET}" if colour else text


def checks_table(report: Report, *, colour: bool = False) -> str:
    """check | points | message, one row per check, then the total; a failed check's likely mistake on its own line."""
    name_width = min(max((len(r.name) for r in report.results), default=10), 110)   # aligned up to 110 characters
    lines = [f"{'check':<{name_width}}  {'points':>9}  message", "-" * max(WIDTH, name_width + 20)]
    for r in report.results:
        mark = _paint("PASS", GREEN + BOLD, colour) if r.passed else _paint("FAIL", RED + BOLD, colour)
        head = f"{r.name:<{name_width}}  {r.score:>4g}/{r.max_score:<4g}  {mark}"
        lines.append(head)
        # a failed check's message; a passed one's note, if any (e.g. that the reference corr2d stood in)
        shown = r.message if not r.passed else r.message.partition("\n")[2]
        if not r.passed and r.diagnosis:
            lines.append("      " + _paint(f"likely mistake: {r.diagnosis}", YELLOW + BOLD, colour))
        if shown:
            for paragraph in shown.splitlines():
                lines += textwrap.wrap(paragraph, WIDTH - 6, initial_indent="      ", subsequent_indent="      ",
                                       replace_whitespace=False, drop_whitespace=False) or [""]
    lines.append(lines[1])
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
