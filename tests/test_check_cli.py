"""`convkit check [PATH]`: the student's self-check with the visible checks, through the real command line."""
from __future__ import annotations

import shutil

import pytest

from autograder import checks as registry
from autograder import cli
from autograder import paths
from autograder.batch import Settings, grade_all
from autograder.submission import discover
from conftest import run_convkit

VISIBLE = [c.name for c in registry.all_checks(visible_only=True)]


def _rows(stdout: str) -> dict[str, str]:
    """check name -> PASS or FAIL, read from the printed table."""
    rows = {}
    for line in stdout.splitlines():
        for name in VISIBLE:
            if line.startswith(name) and line.rstrip().endswith(("PASS", "FAIL")):
                rows[name] = line.rstrip()[-4:]
    return rows


def test_reference_passes_and_exits_0():
    done = run_convkit("check", str(paths.REFERENCE_MODULE))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _rows(done.stdout) == {name: "PASS" for name in VISIBLE}
    assert "All visible checks pass." in done.stdout


@pytest.mark.parametrize("stub", ["conv_layer.py", "conv_layer.ipynb"])
def test_stubs_fail_and_exit_1_saying_not_implemented(stub):
    done = run_convkit("check", str(paths.EXERCISES / stub))
    assert done.returncode == 1
    assert _rows(done.stdout) == {name: "FAIL" for name in VISIBLE}
    assert done.stdout.count("not implemented") >= len(VISIBLE)


def test_without_a_path_it_checks_the_exercise_module(tmp_path):
    """`convkit check` alone checks exercises/conv_layer.py, wherever it is run from."""
    assert cli.parser().parse_args(["check"]).path == paths.EXERCISES / "conv_layer.py"
    explicit = run_convkit("check", str(paths.EXERCISES / "conv_layer.py"))
    default = run_convkit("check", cwd=tmp_path)
    assert default.returncode == explicit.returncode == 1
    assert default.stdout == explicit.stdout


def test_a_buggy_example_fails_with_the_failing_checks_message(tmp_path):
    """The table shows the failing check and, under it, the message the grader gave for it."""
    example = paths.EXAMPLES / "convolve2d_no_flip.py"
    done = run_convkit("check", str(example))
    assert done.returncode == 1
    rows = _rows(done.stdout)
    assert {name for name, mark in rows.items() if mark == "FAIL"} == \
        {name for name in VISIBLE if name.startswith("convolve2d: ")}
    [report] = grade_all(discover([example]), settings=Settings(visible_only=True, jobs=1))
    printed = " ".join(done.stdout.split())
    for result in report.results:
        if not result.passed:
            assert " ".join(result.message.split()) in printed


def test_a_path_holding_several_submissions_is_refused(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(paths.REFERENCE_MODULE, tmp_path / name / "conv_layer.py")
    done = run_convkit("check", str(tmp_path))
    assert done.returncode == 2
    assert "found 2" in done.stderr


def test_an_unreadable_file_fails_with_its_problem(tmp_path):
    bad = tmp_path / "conv_layer.py"
    bad.write_bytes(b"def corr2d(X, K):\n    return X \xff\n")
    done = run_convkit("check", str(bad))
    assert done.returncode == 1
    assert "not UTF-8" in done.stdout
