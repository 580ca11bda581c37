"""`convkit export classroom`: the assignment repository's workflow parses, gives each part convkit's visible
points, and its commands, run as GitHub Classroom's command grader runs them, pass finished parts and fail stubs."""
from __future__ import annotations

import ast
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from autograder import paths
from autograder.export import parts
from autograder.export.nbgrader_course import called_names
from conftest import run_convkit

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 900
PARALLEL = 3
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("classroom") / "assignment"
    done = run_convkit("export", "classroom", str(dest), timeout=SECONDS)
    assert done.returncode == 0, done.stderr
    return dest


@pytest.fixture(scope="module")
def steps(repository) -> list[dict]:
    workflow = yaml.safe_load((repository / ".github" / "workflows" / "classroom.yml").read_text(encoding="utf-8"))
    [job] = workflow["jobs"].values()
    return job["steps"]


def _graders(steps: list[dict]) -> list[dict]:
    return [s for s in steps if s.get("uses") == COMMAND_GRADER]


def _grade(repository: Path, command: str) -> subprocess.CompletedProcess:
    """One step as the command grader runs it: the command in the repository's root, where `python` is an
    interpreter with convkit installed (here: this one, which finds the repository's own package first)."""
    argv = shlex.split(command)
    assert argv[0] == "python"
    return subprocess.run([sys.executable, *argv[1:]], cwd=repository, capture_output=True, text=True,
                          timeout=SECONDS, env={**os.environ, "PYTHONPATH": ""})


def test_repository_is_the_student_bundle_plus_the_workflow(repository):
    """Are the bundle's files there (exercises, pyproject, convkit), with the workflow and a README section on
    grading?"""
    for name in ("exercises/conv_layer.py", "exercises/conv_layer.ipynb", "pyproject.toml",
                 "autograder/export/run.py", ".github/workflows/classroom.yml"):
        assert (repository / name).is_file(), name
    assert "How this repository is graded (GitHub Classroom)" in (repository / "README.md").read_text(encoding="utf-8")
    assert not (repository / "solutions").exists()


def test_workflow_grades_each_part_with_its_visible_points(steps):
    """Is there one command-grader step per part, worth the part's visible points in convkit, reported by the
    grading reporter through <ID>_RESULTS variables that name every step?"""
    graders = _graders(steps)
    assert {s["with"]["test-name"]: s["with"]["max-score"] for s in graders} == \
        {p.name: p.visible_points for p in parts.parts() if p.visible_points}
    [reporter] = [s for s in steps if s.get("uses") == REPORTER]
    ids = [s["id"] for s in graders]
    assert reporter["with"]["runners"].split(",") == ids
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}" for i in ids}
    install = next(s["run"] for s in steps if "run" in s and "pip install" in s["run"])
    assert install.index("torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu") < install.index("-e .")


def _half_done() -> tuple[str, set[str]]:
    """The reference with the functions of the later parts put back to their stubs: (source, parts that fail).

    A part fails when one of the names its checks call is a stub; the earlier parts' names (corr2d, Conv2D, ...)
    stay the reference's, so the later parts do not fail through them.
    """
    by_part = {p.name: called_names([c for c in parts.all_checks() if c.part == p.name]) for p in parts.parts()}
    names = list(by_part.values())
    stubbed = set().union(*names[len(names) // 2:]) - set().union(*names[:len(names) // 2])
    stub_text = (paths.EXERCISES / "conv_layer.py").read_text(encoding="utf-8")
    stubs = {n.name: ast.get_source_segment(stub_text, n) for n in ast.parse(stub_text).body
             if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in stubbed}
    text = paths.REFERENCE_MODULE.read_text(encoding="utf-8")
    for node in reversed(ast.parse(text).body):
        if getattr(node, "name", None) in stubs:
            lines = text.splitlines()
            text = "\n".join(lines[:node.lineno - 1] + [stubs[node.name]] + lines[node.end_lineno:]) + "\n"
    return text, {part for part, called in by_part.items() if called & stubbed}


def test_commands_pass_finished_parts_and_fail_stubbed_ones(repository, steps):
    """Run as the command grader runs them (a step passes on exit 0 with nothing on stderr), on a submission whose
    first parts are done and whose other parts are still stubs: does each step pass exactly when its part is
    done?"""
    source, failing = _half_done()
    assert failing and failing != {p.name for p in parts.parts()}
    (repository / "exercises" / "conv_layer.py").write_text(source, encoding="utf-8")
    graders = _graders(steps)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:      # each run waits mostly on two imports of torch
        done = list(pool.map(lambda step: _grade(repository, step["with"]["command"]), graders))
    for step, result in zip(graders, done):
        part, output = step["with"]["test-name"], result.stdout[-1500:]
        if part in failing:
            assert result.returncode == 1 and "not implemented" in result.stdout, (part, output)
        else:
            assert result.returncode == 0 and result.stderr == "", (part, output, result.stderr[-1500:])
