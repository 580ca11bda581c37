"""`convkit grade` end to end: the reference, the stubs, the sample mistakes in examples/ and hostile submissions."""
from __future__ import annotations

import ast
import csv
import importlib.util
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import torch

from autograder import checks as registry
from autograder import paths
from autograder.judge import grade
from autograder.sandbox import probe as probe_server
from autograder.sandbox import wire
from conftest import EXAMPLE_NOTEBOOK, SUBMISSIONS, read_reports, read_results, reference_module_text, \
    reference_notebook_text, run_convkit

SEED = 7            # passed to `convkit grade --seed`; the hidden-input test rebuilds the same inputs from it
SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text(encoding="utf-8"))

# example -> the one function it gets wrong (the comment at the top of each file names the mistake)
BROKEN = {
    "corr2d_off_by_one": "corr2d",
    "convolution_not_correlation": "corr2d",
    "chapter_corr2d": "corr2d",
    "convolve2d_no_flip": "convolve2d",
    "learn_kernel_mean_loss": "learn_kernel",
    "learn_kernel_grads_not_cleared": "learn_kernel",
    "receptive_field_multiplied": "receptive_field",
    "edge_kernel_reversed": "edge_kernel",
    "conv2d_no_bias": "Conv2D",
}
PART_OF = {"edge_image": "edges", "edge_kernel": "edges", "receptive_field_region": "receptive_field"}
STUBS = ("stub_module", "stub_notebook")
HOSTILE_SECONDS = 400   # --timeout of the hostile batch: above 10 s for every probe that can hang


# ------------------------------------------------------------------ what each check depends on


def _definitions(source: str) -> dict[str, ast.AST]:
    return {node.name: node for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _uses() -> dict[str, set[str]]:
    """function -> the reference's other functions it calls, directly or through another one (read from its code)."""
    defs = _definitions(paths.REFERENCE_MODULE.read_text(encoding="utf-8"))
    direct = {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in defs and n.id != name}
              for name, node in defs.items()}
    closed = {name: set(called) for name, called in direct.items()}
    changed = True
    while changed:
        changed = False
        for name, called in closed.items():
            more = set().union(*(closed[c] for c in called)) - called - {name}
            if more:
                called |= more
                changed = True
    return closed


USES = _uses()


def _reaches() -> dict[str, set[str]]:
    """check name -> every function of the submission its probes run, directly or inside another function."""
    reach = {}
    for check in registry.all_checks():
        called = {p.payload.get("fn") or p.payload.get("cls") for p in check.trial(SEED).probes}
        reach[check.name] = called.union(*(USES[c] for c in called))
    return reach


REACHES = _reaches()


def test_dependencies_are_the_chapters():
    """Do the functions build on each other as the chapter says (so the per-example assertions below are fair)?"""
    assert USES["corr2d"] == set()
    assert USES["Conv2D"] == {"corr2d"}
    assert USES["learn_kernel"] == {"Conv2D", "corr2d"}
    assert USES["convolve2d"] == {"corr2d"}
    assert USES["receptive_field"] == set()
    assert USES["edge_image"] == USES["edge_kernel"] == set()
    assert {name for name in REACHES if "corr2d" not in REACHES[name]}, "some checks never run corr2d"


# ------------------------------------------------------------------ the examples themselves


def _without_docstrings(node: ast.AST) -> str:
    node = ast.parse(ast.unparse(node)).body[0]          # a copy
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            inner.body = body[1:] or [ast.Pass()]
    return ast.dump(node)


def test_every_example_is_declared():
    """Is each examples/*.py listed with the function it breaks, and does each open with a comment naming it?"""
    found = {p.stem for p in paths.EXAMPLES.glob("*.py")}
    assert found == set(BROKEN)
    for stem in found:
        assert (paths.EXAMPLES / f"{stem}.py").read_text(encoding="utf-8").startswith("# Mistake: ")


@pytest.mark.parametrize("example", sorted(BROKEN))
def test_example_changes_only_the_declared_function(example):
    """Does the example differ from the reference in exactly the function it is declared to break?"""
    ref = {name: _without_docstrings(node) for name, node in _definitions(reference_module_text()).items()}
    source = (paths.EXAMPLES / f"{example}.py").read_text(encoding="utf-8")
    got = {name: _without_docstrings(node) for name, node in _definitions(source).items()}
    graded_functions = set().union(*REACHES.values())      # the optional extension's functions may be absent
    assert graded_functions <= set(got) <= set(ref)
    assert {name for name in got if got[name] != ref[name]} == {BROKEN[example]}


def test_example_notebook_is_the_reference():
    """Is examples/notebook_solution.ipynb the reference as a notebook (rewrite it: python tests/conftest.py)?"""
    assert EXAMPLE_NOTEBOOK.read_text(encoding="utf-8") == reference_notebook_text()


# ------------------------------------------------------------------ one `convkit grade` run over all of them


@dataclass(frozen=True)
class Graded:
    out: Path
    stdout: str
    results: dict      # student -> results.json
    reports: dict      # student -> Report


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    tmp = tmp_path_factory.mktemp("grade")
    shutil.copy(paths.REFERENCE_MODULE, tmp / "reference.py")
    shutil.copy(paths.EXERCISES / "conv_layer.py", tmp / f"{STUBS[0]}.py")
    shutil.copy(paths.EXERCISES / "conv_layer.ipynb", tmp / f"{STUBS[1]}.ipynb")
    out = tmp / "out"
    done = run_convkit("grade", str(paths.EXAMPLES), str(tmp / "reference.py"), str(tmp / f"{STUBS[0]}.py"),
                       str(tmp / f"{STUBS[1]}.ipynb"), str(SUBMISSIONS / "cheat_patches_asserts.py"),
                       str(SUBMISSIONS / "echoes_inputs.py"), "--out", str(out), "--seed", str(SEED),
                       "--no-progress")
    assert done.returncode == 0, done.stderr
    return Graded(out, done.stdout, read_results(out), read_reports(out))


def test_every_submission_is_graded(graded):
    expected = {*BROKEN, "notebook_solution", "reference", *STUBS, "cheat_patches_asserts", "echoes_inputs"}
    assert set(graded.results) == set(graded.reports) == expected
    for student in expected:
        assert student in graded.stdout


@pytest.mark.parametrize("student", ["reference", "notebook_solution"])
def test_reference_scores_full_marks(graded, student):
    """Does the reference, as a module and as a notebook, pass every check, for the whole 100 points?"""
    report = graded.reports[student]
    assert [r.name for r in report.results if not r.passed] == []
    assert report.score == report.max_score == registry.max_score() == 100
    assert graded.results[student]["score"] == 100


@pytest.mark.parametrize("student", STUBS)
def test_stubs_score_zero_with_a_reason(graded, student):
    """Do the untouched exercises score 0, each check saying the function is not implemented yet?"""
    report = graded.reports[student]
    assert report.score == 0
    assert len(report.results) == len(registry.all_checks())
    for test in graded.results[student]["tests"]:
        assert test["status"] == "failed"
        assert "not implemented" in test["output"].lower(), test


@pytest.fixture(scope="module")
def graded_on_their_own(tmp_path_factory) -> Graded:
    """The examples graded with --no-substitute: each part runs on the student's own corr2d and Conv2D."""
    out = tmp_path_factory.mktemp("own") / "out"
    done = run_convkit("grade", str(paths.EXAMPLES), "--out", str(out), "--seed", str(SEED), "--no-progress",
                       "--no-substitute")
    assert done.returncode == 0, done.stderr
    return Graded(out, done.stdout, read_results(out), read_reports(out))


@pytest.mark.parametrize("run", ["graded", "graded_on_their_own"])
@pytest.mark.parametrize("example", sorted(BROKEN))
def test_example_loses_points_only_where_its_mistake_reaches(request, run, example):
    """Does each mistake cost points in its own part, and elsewhere only in checks that run the broken function
    (by default the grader lends the reference corr2d and Conv2D to the parts that call them; with
    --no-substitute they run the student's own)?"""
    broken = BROKEN[example]
    report = request.getfixturevalue(run).reports[example]
    score, top = report.parts()[PART_OF.get(broken, broken)]
    assert score < top, f"{example} keeps every point of its own part"
    direct = [r for r in report.results if broken in {p.payload.get("fn") or p.payload.get("cls")
                                                      for p in _check(r.name).trial(SEED).probes}]
    assert any(not r.passed for r in direct), f"no check that calls {broken} catches {example}"
    for r in report.results:
        if broken not in REACHES[r.name]:
            assert r.passed, f"{example} fails {r.name!r}, which never runs {broken}: {r.message}"


def test_chapter_corr2d_loses_only_float64_precision(graded):
    """The chapter's own corr2d writes into float32 torch.zeros: is float64 precision all it loses?"""
    failed = [r for r in graded.reports["chapter_corr2d"].results if not r.passed]
    assert failed and all(r.part == "corr2d" and "float64" in r.message for r in failed), failed


def test_cheat_scores_zero(graded):
    """Patching torch's comparisons at import changes nothing: the judge compares in another process."""
    report = graded.reports["cheat_patches_asserts"]
    assert report.score == 0
    assert all(r.message and r.message != "Passed." for r in report.results)


def _check(name: str):
    return next(c for c in registry.all_checks() if c.name == name)


# ------------------------------------------------------------------ output files


def test_results_json_follows_gradescope_schema(graded):
    """Is every results.json valid Gradescope output, with its totals the sums of its tests?"""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for student, data in graded.results.items():
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], (student, errors)
        tests = data["tests"]
        assert data["score"] == sum(t["score"] for t in tests)
        assert data["max_score"] == sum(t["max_score"] for t in tests) == 100
        for t in tests:
            assert t["score"] == (t["max_score"] if t["status"] == "passed" else 0)
        assert [t["visibility"] == "visible" for t in tests] == [c.visible for c in registry.all_checks()]


def test_results_json_schema_rejects_what_gradescope_would_not_read():
    """Is the schema strict enough to catch a wrong status, visibility, or misspelt key?"""
    good = {"score": 1, "max_score": 1, "tests": [{"name": "a: b", "score": 1, "max_score": 1, "status": "passed",
                                                   "output": "", "visibility": "visible"}]}
    jsonschema.validate(good, SCHEMA)
    for bad in ({**good, "scor": 1},
                {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
                {**good, "tests": [{**good["tests"][0], "visibility": "later"}]},
                {k: v for k, v in good.items() if k != "tests"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)


def test_grades_csv_has_one_row_per_student(graded):
    """Does grades.csv hold each student once, with the total and every part's score as the reports say?"""
    rows = list(csv.DictReader(io.StringIO((graded.out / "grades.csv").read_text(encoding="utf-8"))))
    parts = [p.name for p in registry.PARTS]
    assert list(rows[0]) == ["student", "score", "max_score", *parts, "notes"]
    assert sorted(r["student"] for r in rows) == sorted(graded.reports)
    for row in rows:
        report = graded.reports[row["student"]]
        assert float(row["score"]) == report.score == sum(float(row[p]) for p in parts)
        assert float(row["max_score"]) == 100
        assert {p: float(row[p]) for p in parts} == {p: s for p, (s, _) in report.parts().items()}


def test_every_check_name_starts_with_its_part(graded):
    parts = {p.name for p in registry.PARTS}
    for data in graded.results.values():
        for t in data["tests"]:
            part, _, title = t["name"].partition(": ")
            assert part in parts and title, t["name"]


# ------------------------------------------------------------------ hidden inputs stay hidden


def _numbers(value) -> list[float]:
    """Every number inside a check input (tensors, tuples, lists, plain numbers)."""
    if isinstance(value, torch.Tensor):
        return value.double().flatten().tolist()
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, (tuple, list)):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


def _flat(value) -> list:
    return [x for v in value for x in _flat(v)] if isinstance(value, (tuple, list)) else [value]


def _inputs(check) -> set[str]:
    """The numbers a check sends to the submission and keeps for comparing, each formatted to 4 decimals."""
    trial = check.trial(SEED)
    sent = []
    for probe in trial.probes:
        for key in ("args", "kwargs", "upstream", "params", "input", "init_args"):
            encoded = probe.payload.get(key)
            if isinstance(encoded, list):
                sent += [wire.decode_input(e) for e in encoded]
            elif isinstance(encoded, dict) and "kind" in encoded:
                sent.append(wire.decode_input(encoded))
            elif isinstance(encoded, dict):
                sent += [wire.decode_input(e) for e in encoded.values()]
    # tensors the check keeps for comparing (its plain numbers are tolerances and counts, not inputs)
    kept = [cell.cell_contents for cell in trial.verify.__closure__ or ()
            if any(isinstance(v, torch.Tensor) for v in _flat(cell.cell_contents))]
    return {f"{n:.4f}" for n in _numbers(sent) + _numbers(kept)}


def _reply_numbers(obj) -> list[float]:
    """Every number in a probe server's reply (tensors decoded from the wire format)."""
    if isinstance(obj, dict) and obj.get("kind") == "tensor":
        return _numbers(wire.decode(obj).data)
    if isinstance(obj, dict) and obj.get("kind") in ("int", "float"):
        return _numbers(wire.decode(obj))
    if isinstance(obj, dict):
        return [n for key, v in obj.items() if key not in ("id", "seed", "stdout_dropped") for n in _reply_numbers(v)]
    if isinstance(obj, list):
        return [n for v in obj for n in _reply_numbers(v)]
    return []


@pytest.fixture(scope="module")
def expected_numbers() -> dict[str, set[str]]:
    """hidden check -> the reference's answers to its probes, to 4 decimals: what an `expected: ...` would show.

    The reference is imported here and answers through the sandbox's probe server code, as in test_checks.py.
    """
    spec = importlib.util.spec_from_file_location("conv_layer", paths.REFERENCE_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = {}
    for p, probes in zip(planned := grade.plan(registry.all_checks(), SEED), _by_check(planned)):
        if not p.check.visible:
            replies = [probe_server.answer(module, probe, paths.REFERENCE_MODULE.as_posix()) for probe in probes]
            found[p.check.name] = {f"{n:.4f}" for n in _reply_numbers(json.loads(json.dumps(replies)))}
    return found


def _by_check(planned) -> list[list[dict]]:
    probes = iter(grade.wire_probes(planned, SEED))
    return [[next(probes) for _ in p.ids] for p in planned]


def _leaks(graded, check, numbers: set[str]) -> dict[str, list[str]]:
    found = {}
    for student, report in graded.reports.items():
        [result] = [r for r in report.results if r.name == check.name]
        shown = sorted(n for n in numbers if n in result.message)
        if shown:
            found[student] = shown
    return found


@pytest.mark.parametrize("check", [c for c in registry.all_checks() if not c.visible], ids=lambda c: c.name)
def test_hidden_check_messages_do_not_repeat_their_inputs(graded, check, expected_numbers):
    """Does no hidden check's message show one of its seeded inputs, or the answer expected for them, even to a
    submission that raises its inputs back?"""
    assert _leaks(graded, check, _inputs(check) | expected_numbers[check.name]) == {}


def test_the_leak_detector_sees_inputs_that_visible_checks_may_show(graded):
    """echoes_inputs raises its inputs back; visible checks pass that on, so the detector must find them there."""
    leaked = {c.name for c in registry.all_checks() if c.visible and "echoes_inputs" in _leaks(graded, c, _inputs(c))}
    assert any(name.startswith("corr2d: ") for name in leaked), leaked


# ------------------------------------------------------------------ hostile submissions in one batch


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Graded:
    tmp = tmp_path_factory.mktemp("hostile")
    shutil.copy(paths.REFERENCE_MODULE, tmp / "reference.py")
    out = tmp / "out"
    # a generous total: each of corr2d's calls is cut at 10 s, and the checks after them must still get their turn
    done = run_convkit("grade", str(SUBMISSIONS / "loops_forever.py"), str(SUBMISSIONS / "exits_at_import.py"),
                       str(tmp / "reference.py"), "--out", str(out), "--no-progress", "--jobs", "2",
                       "--timeout", str(HOSTILE_SECONDS))
    assert done.returncode == 0, done.stderr
    return Graded(out, done.stdout, read_results(out), read_reports(out))


def test_hostile_batch_finishes_and_the_reference_keeps_full_marks(hostile):
    assert set(hostile.reports) == {"loops_forever", "exits_at_import", "reference"}
    assert hostile.reports["reference"].score == 100
    assert (hostile.out / "grades.csv").exists()


def test_exiting_at_import_scores_zero_with_a_reason(hostile):
    report = hostile.reports["exits_at_import"]
    assert report.score == 0
    assert all("import" in r.message for r in report.results)


def test_endless_loop_fails_the_checks_that_run_it(hostile):
    """corr2d's checks fail on time; a check of another part that runs corr2d may pass (graded on the reference
    corr2d) but if it fails, it is for the time limit and nothing else."""
    report = hostile.reports["loops_forever"]
    for r in report.results:
        if r.part == "corr2d":
            assert not r.passed and "time limit" in r.message, (r.name, r.message)
        elif "corr2d" in REACHES[r.name] and not r.passed:
            assert "time limit" in r.message, (r.name, r.message)


def test_endless_loop_keeps_the_independent_parts(hostile):
    """Do the checks that never run corr2d (receptive_field, edge_image, edge_kernel, ...) still pass?"""
    report = hostile.reports["loops_forever"]
    failing = [r.name for r in report.results if "corr2d" not in REACHES[r.name] and not r.passed]
    assert failing == []
