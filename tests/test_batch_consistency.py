"""autograder/batch.py: does grading a class in parallel give exactly the reports of grading each student alone?"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.batch import Settings, grade_all
from autograder.runner.limits import Limits
from autograder.submission import discover
from benchmarks import submissions

# a correct one, three one-mistake ones, an untouched exercise, and one whose corr2d never returns
CLASS = ("reference", "convolution_not_correlation", "learn_kernel_ascent", "receptive_field_multiplied",
         "not_started", "corr2d_loops_forever")
# short, but far above what one call of a correct submission takes (~0.1 s) on two busy cores
LIMITS = Limits(probe_seconds=3.0, submission_seconds=20.0)
TIMING = ("seconds",)


def _without_timing(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in TIMING}


def _saved(out: Path) -> dict[str, tuple[dict, dict]]:
    """student -> (report.json without its timing, results.json) as written to disk."""
    return {folder.name: (_without_timing(json.loads((folder / "report.json").read_text(encoding="utf-8"))),
                          json.loads((folder / "results.json").read_text(encoding="utf-8")))
            for folder in sorted(out.iterdir()) if (folder / "report.json").exists()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("consistency")
    variants = {v.name: v for v in submissions.VARIANTS}
    students = [submissions.Student(name, variants[name], submissions.source_of(variants[name])) for name in CLASS]
    class_ = discover([submissions.write_class(students, root / "class")])
    settings = Settings(jobs=2, limits=LIMITS)
    together = grade_all(class_, settings=settings, out=root / "together")
    alone = [grade_all([s], settings=replace(settings, jobs=1), out=root / "alone")[0] for s in class_]
    return {"together": together, "alone": alone, "root": root}


def test_the_class_covers_passes_failures_and_a_timeout(graded):
    """Is the batch a real mix: full marks, partial marks, zero, and a call cut by the time limit?"""
    scores = {r.student: r.score for r in graded["together"]}
    assert scores["reference"] == max(r.max_score for r in graded["together"])
    assert 0 < scores["convolution_not_correlation"] < scores["reference"]
    assert scores["not_started"] == 0
    endless = next(r for r in graded["together"] if r.student == "corr2d_loops_forever")
    assert any("time limit" in r.message for r in endless.results if r.part == "corr2d")


def test_jobs_2_gives_the_reports_of_one_at_a_time(graded):
    """Is every report (all but its wall time) the same with two workers as with each submission graded alone?"""
    together = [_without_timing(r.to_dict()) for r in graded["together"]]
    alone = [_without_timing(r.to_dict()) for r in graded["alone"]]
    assert sorted(r["student"] for r in together) == sorted(CLASS)
    for t, a in zip(together, alone):
        assert t == a, t["student"]


def test_the_files_written_are_the_same(graded):
    """Are report.json and results.json on disk the same whichever way the class was graded?"""
    together, alone = _saved(graded["root"] / "together"), _saved(graded["root"] / "alone")
    assert sorted(together) == sorted(CLASS)
    assert together == alone
