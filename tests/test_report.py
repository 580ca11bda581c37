"""Report and CheckResult (autograder/judge/report.py): derived scores, frozen, a lossless dict round trip."""
from __future__ import annotations

import dataclasses
import json

import pytest

from autograder.judge.report import CheckResult, Report


def _result(part: str, title: str, points: float, passed: bool, visible: bool = True, **extra) -> CheckResult:
    return CheckResult(name=f"{part}: {title}", part=part, max_score=points, visible=visible, passed=passed,
                       message="Passed." if passed else f"{title} is wrong.", **extra)


@pytest.fixture
def report() -> Report:
    return Report(student="zoë", submission="class/zoë/conv_layer.py", results=(
        _result("corr2d", "chapter example", 4, True, observed={"Y": [[19.0, 25.0], [37.0, 43.0]]}),
        _result("corr2d", "random shapes", 4, False, visible=False, diagnosis="output size off by one"),
        _result("Conv2D", "forward", 2.5, True),
        _result("receptive_field", "two layers", 3, False),
    ), notes=("a note",), seconds=1.25, fingerprint="abc", stdout="Step 5, loss 11.450\n")


def test_scores_are_derived_from_passed_checks(report):
    """score == the sum of max_score over passed checks; nothing is stored twice."""
    assert report.score == sum(r.max_score for r in report.results if r.passed) == 6.5
    assert report.max_score == sum(r.max_score for r in report.results) == 13.5
    assert [r.score for r in report.results] == [4, 0, 2.5, 0]
    assert [r.status for r in report.results] == ["passed", "failed", "passed", "failed"]


def test_parts_total_their_checks_in_first_seen_order(report):
    assert report.parts() == {"corr2d": (4, 8), "Conv2D": (2.5, 2.5), "receptive_field": (0, 3)}
    assert sum(s for s, _ in report.parts().values()) == report.score


def test_results_are_frozen(report):
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.results[0].passed = False
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.student = "someone else"


def test_to_dict_from_dict_round_trip_through_json(report):
    data = json.loads(json.dumps(report.to_dict()))
    assert data["score"] == report.score and data["max_score"] == report.max_score
    again = Report.from_dict(data)
    assert again == report
    assert again.stdout == report.stdout            # not part of equality, but kept
    assert again.to_dict() == report.to_dict()


def test_from_dict_derives_the_score_again(report):
    """A report.json whose stored totals were edited still scores what its checks say."""
    data = report.to_dict()
    data["score"], data["max_score"] = 100, 100
    assert Report.from_dict(data).score == report.score


def test_an_empty_report_scores_zero_of_zero():
    empty = Report(student="s", submission="s.py", results=())
    assert (empty.score, empty.max_score, empty.parts()) == (0, 0, {})
