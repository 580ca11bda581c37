"""The checks (autograder/checks/) and the judge's verdicts (autograder/judge/grade.py), called directly.

The reference is imported here, in the test process, and answers the probes through the sandbox's own probe
server code (sandbox/probe.py) without a sandbox: fast enough to try several seeds. Student code never runs here.
"""
from __future__ import annotations

import importlib.util
import json

import pytest

from autograder import checks as registry
from autograder import paths
from autograder.judge import grade
from autograder.judge.check import Trial, call
from autograder.judge.expect import Fail
from autograder.sandbox import probe as probe_server
from autograder.sandbox import wire


@pytest.fixture(scope="module")
def reference():
    spec = importlib.util.spec_from_file_location("conv_layer", paths.REFERENCE_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _answer_all(module, seed: int, checks=None):
    """Plan the checks, answer every probe with `module` in this process, and judge the replies."""
    planned = grade.plan(checks or registry.all_checks(), seed)
    replies = {p["id"]: probe_server.answer(module, p, paths.REFERENCE_MODULE.as_posix())
               for p in grade.wire_probes(planned, seed)}
    replies = json.loads(json.dumps(replies))        # exactly what would cross the wire
    return grade.judge(planned, {"imported": {"ok": True}, "answers": replies})


# ------------------------------------------------------------------ the registry


def test_points_total_100_and_are_positive():
    assert registry.max_score() == 100
    assert all(c.points > 0 for c in registry.all_checks())
    assert registry.max_score(visible_only=True) == sum(c.points for c in registry.all_checks() if c.visible)


def test_check_names_are_unique_and_start_with_their_part():
    names = [c.name for c in registry.all_checks()]
    assert len(names) == len(set(names))
    parts = [p.name for p in registry.PARTS]
    for c in registry.all_checks():
        assert c.part in parts and c.name.startswith(f"{c.part}: ") and c.name != f"{c.part}: "


def test_visible_only_keeps_exactly_the_visible_checks():
    assert [c.name for c in registry.all_checks(visible_only=True)] == \
        [c.name for c in registry.all_checks() if c.visible]


def test_the_same_seed_asks_the_same_questions():
    """Determinism: a check's probes (inputs included) depend only on the seed and the check's name."""
    for seed in (0, 7):
        first = grade.wire_probes(grade.plan(registry.all_checks(), seed), seed)
        again = grade.wire_probes(grade.plan(registry.all_checks(), seed), seed)
        assert json.dumps(first) == json.dumps(again)


def test_hidden_inputs_change_with_the_seed():
    seeded = [c for c in registry.all_checks() if not c.visible and c.trial(0).probes[0].payload.get("args")]
    assert seeded
    changed = [c.name for c in seeded if json.dumps(c.trial(0).probes[0].payload) != json.dumps(
        c.trial(1).probes[0].payload)]
    assert changed, "no hidden check draws its inputs from the seed"


# ------------------------------------------------------------------ the reference passes, for any seed


@pytest.mark.parametrize("seed", [0, 1, 2, 20211])
def test_reference_passes_every_check(reference, seed):
    """Does every check accept the reference, whatever the seed (no unlucky hidden inputs)?"""
    results = _answer_all(reference, seed)
    assert [(r.name, r.message) for r in results if not r.passed] == []
    assert sum(r.score for r in results) == 100


# ------------------------------------------------------------------ the judge fails closed


def _planned(verify, probes=(call("receptive_field", [(2, 2)]),)):
    check = registry.all_checks()[0]
    trial = Trial(tuple(probes), verify)
    return grade.Planned(check, trial, tuple(f"0.{j}" for j in range(len(probes))))


def _ok(value) -> dict:
    return {"ok": True, "value": wire.encode(value), "stdout": ""}


def test_a_grader_bug_in_verify_fails_the_check_with_a_plain_reason():
    def verify(a):
        raise KeyError("grader bug")
    r = grade.verdict(_planned(verify), {"0.0": _ok((2, 2))})
    assert not r.passed and r.score == 0 and "could not interpret" in r.message and "KeyError" in r.message


def test_a_missing_reply_fails_the_check():
    r = grade.verdict(_planned(lambda a: None), {})
    assert not r.passed and "No answer came back" in r.message


def test_an_unreadable_reply_fails_the_check():
    garbled = {"ok": True, "value": {"kind": "tensor", "dtype": "float32", "shape": [2], "data": "AAAA"}}
    r = grade.verdict(_planned(lambda a: None), {"0.0": garbled})
    assert not r.passed and "could not be read" in r.message


def test_an_exception_in_student_code_fails_the_check():
    error = {"ok": False, "error": {"type": "ZeroDivisionError", "message": "division by zero", "where": "line 3"}}
    r = grade.verdict(_planned(lambda a: None), {"0.0": error})
    assert not r.passed and "ZeroDivisionError" in r.message


def test_a_failure_keeps_its_message_and_diagnosis():
    def verify(a):
        raise Fail("receptive_field([(2, 2)]) returned (4, 4).", "sizes multiplied")
    r = grade.verdict(_planned(verify), {"0.0": _ok((4, 4))})
    assert (r.passed, r.message, r.diagnosis) == (False, "receptive_field([(2, 2)]) returned (4, 4).",
                                                  "sizes multiplied")


@pytest.mark.parametrize("reply", [None, {}, {"imported": "yes"}, {"imported": {"ok": True}},
                                   {"imported": {"ok": True}, "answers": []}])
def test_a_malformed_sandbox_reply_fails_every_check(reply):
    planned = grade.plan(registry.all_checks(), 0)
    results = grade.judge(planned, reply)
    assert len(results) == len(planned) and not any(r.passed for r in results)
    assert all(r.message for r in results)


def test_an_import_failure_fails_every_check_saying_so():
    planned = grade.plan(registry.all_checks(), 0)
    reply = {"imported": {"ok": False, "error": {"type": "ImportError", "message": "No module named 'd2l'",
                                                 "where": "line 1, in <module>"}}, "answers": {}}
    results = grade.judge(planned, reply)
    assert not any(r.passed for r in results)
    assert all("could not be imported" in r.message and "ImportError" in r.message for r in results)


def test_a_check_that_got_the_wrong_kind_of_answer_fails():
    """Replies from a submission whose every function returns None: nothing may pass."""
    class Nothing:
        def __getattr__(self, name):
            return lambda *args, **kwargs: None
    results = _answer_all(Nothing(), 0)
    assert not any(r.passed for r in results)
