"""feedback.html: one student's report as a self-contained page (checks, likely mistakes, pictures).

A pure function of a Report: the pictures are drawn from the small plain data visible checks kept
(CheckResult.observed), never from a hidden input. Images are embedded as base64 PNG, so the page opens from
disk, offline, with no server.
"""
from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..judge.report import CheckResult, Report
from . import plots

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Picture:
    title: str
    caption: str
    alt: str
    png: bytes
    matches: bool           # whether what the picture shows of the student's answers is what was expected

    @property
    def src(self) -> str:
        return data_url(self.png)


def data_url(png: bytes) -> str:
    """A PNG embedded in the page itself, so the page reads from disk with no server and no side files."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@dataclass(frozen=True)
class Mistake:
    diagnosis: str
    part: str
    checks: tuple[str, ...]
    points: float           # points lost on the checks that name it


@functools.lru_cache(maxsize=1)       # one Environment: it compiles each template once, not once per page
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["points"] = lambda x: f"{x:g}"
    env.filters["note"] = note
    return env


def _observed(report: Report, key: str) -> tuple[object, list[CheckResult]]:
    """The first value kept under `key` by any check, and the checks that kept it."""
    holders = [r for r in report.results if key in r.observed]
    found = next((r.observed[key] for r in holders if r.observed[key] is not None), None)
    return found, holders


def pictures(report: Report) -> list[Picture]:
    """The pictures the report has data for, in the chapter's order."""
    out = []
    image, by_image = _observed(report, "edge_image")
    edge_map, _ = _observed(report, "corr2d_edge_map")
    expected, _ = _observed(report, "edge_map_expected")
    if expected is not None and (image is not None or edge_map is not None):
        out.append(Picture(
            "Edge detection", "Left: the image your edge_image() returns. Middle: what your corr2d makes of the "
            "chapter's image and kernel [[1, -1]]. Right: the chapter's edge map, 1 where white turns black and -1 "
            "where black turns white.", "Your edge image and your corr2d's edge map beside the chapter's",
            plots.edge_maps(image, edge_map, expected),
            edge_map == expected and all(r.passed for r in by_image if r.observed.get("edge_image") is not None)))
    losses, by_losses = _observed(report, "losses")
    reference, _ = _observed(report, "reference_losses")
    if reference is not None and by_losses:
        out.append(Picture(
            "Training loss", "The loss of each step of your learn_kernel (blue) and of plain gradient descent on the "
            "same problem from a random start (grey), on a log scale. Both should fall steadily towards 0; where "
            "they start depends on the random kernel.", "Your training loss per step beside the reference curve",
            plots.loss_curves(losses, reference), all(r.passed for r in by_losses)))
    field, _ = _observed(report, "receptive_field")
    if isinstance(field, dict):
        (r0, r1), (c0, c1) = field["expected"]
        yours = field["region"]
        said = f"X[{yours[0][0]}:{yours[0][1]}, {yours[1][0]}:{yours[1][1]}]" if yours else "nothing readable"
        i, j = field["element"]
        out.append(Picture(
            "Receptive field", f"Output element ({i}, {j}) after two 2×2 layers (blue, right) sees a 2×2 patch of the "
            f"layer before it and X[{r0}:{r1}, {c0}:{c1}] of the input (green). Your receptive_field_region gives "
            f"{said} (dashed).", "The receptive field of one output element drawn on the input grid",
            plots.receptive_field(field["kernel_sizes"], field["element"], field["input_shape"], yours,
                                  field["expected"]), yours == field["expected"]))
    return out


def mistakes(report: Report) -> list[Mistake]:
    """Each named mistake once, with the checks it failed and the points they cost, costliest first."""
    found: dict[tuple[str, str], list[CheckResult]] = {}
    for r in report.results:
        if not r.passed and r.diagnosis:
            found.setdefault((r.diagnosis, r.part), []).append(r)
    listed = [Mistake(d, part, tuple(r.name for r in rs), sum(r.max_score for r in rs)) for (d, part), rs in found.items()]
    return sorted(listed, key=lambda m: -m.points)


def note(r: CheckResult) -> str:
    """What a check's message says beyond its verdict: all of it when it failed; a passed check's note (such as the
    reference corr2d having stood in for the student's) when there is one."""
    if not r.passed:
        return r.message
    return r.message.partition("\n")[2] if r.message.startswith("Passed.") else r.message


def feedback(report: Report) -> str:
    """The student's page, as one HTML document."""
    return environment().get_template("feedback.html.j2").render(
        report=report, parts=report.parts(), mistakes=mistakes(report), pictures=pictures(report),
        failed=[r for r in report.results if not r.passed])
