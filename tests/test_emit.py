"""Output formats (autograder/emit/): each is a pure function of Reports — same reports, same text."""
from __future__ import annotations

import copy
import csv
import io

import pytest

from autograder.emit import gradescope, grades_csv, table
from autograder.judge.report import CheckResult, Report


def _report(student: str, passed: tuple[bool, ...], notes: tuple[str, ...] = ()) -> Report:
    specs = [("corr2d", "chapter example", 4, True), ("corr2d", "random shapes", 4, False),
             ("receptive_field", "two layers", 3, True)]
    results = tuple(CheckResult(name=f"{part}: {title}", part=part, max_score=points, visible=visible, passed=ok,
                                message="Passed." if ok else f"{title}: expected (2, 2), got (1, 1).",
                                diagnosis="" if ok else "output size off by one")
                    for (part, title, points, visible), ok in zip(specs, passed))
    return Report(student=student, submission=f"{student}.py", results=results, notes=notes, seconds=0.5)


@pytest.fixture
def reports() -> list[Report]:
    return [_report("bob", (True, False, True)), _report("alice", (True, True, True)),
            _report("carol", (False, False, False), notes=("Not graded: The file is empty.",))]


EMITTERS = {
    "gradescope": lambda rs: gradescope.results(rs[0]),
    "grades_csv": grades_csv.grades_csv,
    "checks_table": lambda rs: table.checks_table(rs[0]),
    "summary_table": table.summary_table,
}


@pytest.mark.parametrize("emit", EMITTERS.values(), ids=EMITTERS.keys())
def test_same_reports_give_the_same_output_and_stay_unchanged(reports, emit):
    before = copy.deepcopy(reports)
    first = emit(reports)
    assert emit(copy.deepcopy(reports)) == first
    assert reports == before


def test_gradescope_results_mirror_the_report(reports):
    bob = reports[0]
    data = gradescope.results(bob)
    assert (data["score"], data["max_score"]) == (bob.score, bob.max_score) == (7, 11)
    assert [t["name"] for t in data["tests"]] == [r.name for r in bob.results]
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "passed"]
    assert [t["visibility"] for t in data["tests"]] == ["visible", gradescope.HIDDEN_VISIBILITY, "visible"]
    assert gradescope.results(bob, hidden_visibility="hidden")["tests"][1]["visibility"] == "hidden"
    failed = data["tests"][1]["output"]
    assert bob.results[1].message in failed and "output size off by one" in failed
    assert data["tests"][0]["output"] == "Passed."
    assert "output" not in data or data["output"] == ""


def test_gradescope_output_carries_the_reports_notes(reports):
    assert "The file is empty." in gradescope.results(reports[2])["output"]


def test_grades_csv_one_row_per_student_sorted(reports):
    rows = list(csv.DictReader(io.StringIO(grades_csv.grades_csv(reports))))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]
    assert [(r["score"], r["max_score"], r["corr2d"], r["receptive_field"]) for r in rows] == \
        [("11", "11", "8", "3"), ("7", "11", "4", "3"), ("0", "11", "0", "0")]
    assert rows[2]["notes"] == "Not graded: The file is empty."


def test_checks_table_shows_failures_with_their_message(reports):
    text = table.checks_table(reports[0])
    for r in reports[0].results:
        assert r.name in text
    assert text.count("FAIL") == 1 and text.count("PASS") == 2
    assert "expected (2, 2), got (1, 1)" in text and "output size off by one" in text
    assert text.splitlines()[-1].split()[-1] == "7/11"


def test_summary_table_lists_each_student_once(reports):
    lines = table.summary_table(reports).splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["alice", "bob", "carol"]
    assert table.summary_table([]) == "No submissions found."
