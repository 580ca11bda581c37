"""`convkit export nbgrader` run through the real nbgrader (generate_assignment, autograde, the gradebook), and
`convkit grade --nbgrader-db`. One course, graded once, is shared by the module: kernels are slow to start.
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.export import nbgrader_cell, parts
from autograder.export.nbgrader_course import ASSIGNMENT, NOTEBOOK, grade_id, source_notebook

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 1800                  # autograding a few notebooks, a kernel and two torch imports each, on busy cores
STUDENTS = ("reference", "stub", "buggy", "tampered")
NOTEBOOK_ID = Path(NOTEBOOK).stem


def _run(*argv: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=SECONDS)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _gradebook(course: Path, students) -> dict[str, dict[str, float]]:
    """student -> grade cell -> nbgrader's score, read through nbgrader's own Gradebook API."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s: {g.name: g.score for g in gradebook.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, s).grades}
                for s in students}


def _submissions(course: Path) -> dict[str, nbformat.NotebookNode]:
    """The released notebook filled in four ways: the reference, untouched stubs, a convolve2d that does not flip
    the kernel, and that buggy notebook with its grading cells edited (one to claim full marks) and one deleted."""
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    answers = {_nbgrader(c)["grade_id"]: c.source for c in source.cells if _nbgrader(c).get("solution")}
    reference = copy.deepcopy(release)
    for cell in reference.cells:
        if _nbgrader(cell).get("grade_id") in answers:
            cell.source = answers[_nbgrader(cell)["grade_id"]]
    # warnings from the student's own code must never cost points (nbgrader zeroes a cell that writes to stderr)
    [corr2d] = [c for c in reference.cells if _nbgrader(c).get("grade_id") == "answer_corr2d"]
    corr2d.source += "\n\nimport warnings\nwarnings.warn('a warning from the student')"
    buggy = copy.deepcopy(reference)
    [convolve] = [c for c in buggy.cells if _nbgrader(c).get("grade_id") == "answer_convolve2d"]
    assert "corr2d(X, torch.flip(K, (0, 1)))" in convolve.source
    convolve.source = convolve.source.replace("corr2d(X, torch.flip(K, (0, 1)))", "corr2d(X, K)")
    tampered = copy.deepcopy(buggy)
    for cell in tampered.cells:
        if _nbgrader(cell).get("grade"):
            cell.source = repr(float(_nbgrader(cell)["points"]))        # "full marks", if nbgrader ran this
    tampered.cells = [c for c in tampered.cells if _nbgrader(c).get("grade_id") != grade_id("Conv2D")]
    return {"reference": reference, "stub": release, "buggy": buggy, "tampered": tampered}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The exported course, released, submitted four ways, autograded by nbgrader; then graded by convkit."""
    tmp = tmp_path_factory.mktemp("nbgrader")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"), "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
           "IPYTHONDIR": str(tmp / "ipython")}
    course = tmp / "course"
    _run(sys.executable, "-m", "autograder.cli", "export", "nbgrader", str(course), cwd=ROOT, env=env)
    _run("nbgrader", "generate_assignment", ASSIGNMENT, cwd=course, env=env)
    for student, notebook in _submissions(course).items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / NOTEBOOK)
    _run("nbgrader", "autograde", ASSIGNMENT, cwd=course, env=env)
    autograded = _gradebook(course, STUDENTS)

    # convkit grade --nbgrader-db: a student nbgrader never saw, and a score spoiled after autograde
    late = course / "submitted" / "late" / ASSIGNMENT
    late.mkdir(parents=True)
    (late / NOTEBOOK).write_bytes((course / "submitted" / "buggy" / ASSIGNMENT / NOTEBOOK).read_bytes())
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.find_grade(grade_id("corr2d"), NOTEBOOK_ID, ASSIGNMENT, "reference").auto_score = 0.0
        gradebook.db.commit()
    out = tmp / "convkit"
    done = _run(sys.executable, "-m", "autograder.cli", "grade", str(course / "submitted"), "--out", str(out),
                "--no-progress", "--nbgrader-db", str(course / "gradebook.db"), cwd=ROOT, env=env)
    reports = {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/report.json")}
    return {"course": course, "autograded": autograded, "reports": reports, "grade_output": done.stdout,
            "recorded": _gradebook(course, STUDENTS + ("late",))}


def _convkit_parts(report: dict) -> dict[str, float]:
    """grade cell -> convkit's score of that part."""
    totals: dict[str, float] = {}
    for r in report["results"]:
        totals[grade_id(r["part"])] = totals.get(grade_id(r["part"]), 0.0) + (r["max_score"] if r["passed"] else 0)
    return totals


def test_course_is_generated_from_solutions_and_checks(graded):
    """Does the source notebook hold answer cells with solution regions, locked text, and one grading cell per
    part worth that part's points (hidden checks in a HIDDEN TESTS region), and does the release strip them?"""
    course = graded["course"]
    assert (course / "nbgrader_config.py").is_file()
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    grading = {_nbgrader(c)["grade_id"]: c for c in source.cells if _nbgrader(c).get("grade")}
    assert {k: float(_nbgrader(c)["points"]) for k, c in grading.items()} == \
        {grade_id(p.name): p.points for p in parts.parts()}
    assert all("### BEGIN HIDDEN TESTS" in c.source and _nbgrader(c)["locked"] for c in grading.values())
    answers = [c for c in source.cells if _nbgrader(c).get("solution")]
    assert answers and all("### BEGIN SOLUTION" in c.source and c.cell_type == "code" for c in answers)
    assert all(_nbgrader(c)["locked"] for c in source.cells if c.cell_type == "markdown")
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    text = json.dumps(release)
    assert "### BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and 'checks = \\"all\\"' not in text
    assert sum('checks = "visible"' in c.source for c in release.cells) == len(grading)


def test_reference_earns_everything_and_stubs_nothing(graded):
    """Does nbgrader give the reference (which also emits a warning) full marks on every grading cell, and the
    untouched stubs zero?"""
    full = {grade_id(p.name): p.points for p in parts.parts()}
    assert graded["autograded"]["reference"] == full
    assert graded["autograded"]["stub"] == dict.fromkeys(full, 0.0)
    notebook = nbformat.read(graded["course"] / "autograded" / "reference" / ASSIGNMENT / NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if _nbgrader(cell).get("grade"):
            assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"]
            assert cell.outputs[-1].output_type == "execute_result"


def test_buggy_answer_scores_what_convkit_grade_gives(graded):
    """Does a convolve2d that forgets the flip get, part by part, the points `convkit grade` gives the same
    notebook (and lose some on convolve2d)?"""
    nbgrader_scores = graded["autograded"]["buggy"]
    convkit_scores = _convkit_parts(graded["reports"]["buggy"])
    assert nbgrader_scores == convkit_scores
    assert nbgrader_scores[grade_id("convolve2d")] < {p.name: p.points for p in parts.parts()}["convolve2d"]


def test_edited_or_deleted_grading_cells_gain_nothing(graded):
    """Does the buggy notebook with grading cells rewritten to claim full marks, and one deleted, still score
    exactly what the honest buggy notebook scores (nbgrader restores and re-adds the cells)?"""
    assert graded["autograded"]["tampered"] == graded["autograded"]["buggy"]


def test_convkit_grade_reads_nbgrader_submissions(graded):
    """Does `convkit grade submitted/` find every student of nbgrader's tree and grade the answer cells only
    (the reference scores 100, the stubs 0)?"""
    reports = graded["reports"]
    assert set(reports) == {*STUDENTS, "late"}
    assert reports["reference"]["score"] == reports["reference"]["max_score"] == 100
    assert reports["stub"]["score"] == 0


def test_nbgrader_db_receives_convkit_scores(graded):
    """After `convkit grade --nbgrader-db`, does the gradebook hold convkit's part scores for every student,
    including one nbgrader never autograded, and a spoiled score put right?"""
    for student, report in graded["reports"].items():
        assert graded["recorded"][student] == _convkit_parts(report), student
    assert graded["recorded"]["reference"][grade_id("corr2d")] == 25
    assert "written to the nbgrader gradebook" in graded["grade_output"]


def test_extension_gets_its_own_grading_cells():
    """With the extension switched on, does every part of the registry (the extension's too) get a grading cell
    worth its points, whose call passes the switch on?"""
    notebook = source_notebook(extension=True)
    grading = {_nbgrader(c)["grade_id"]: c for c in notebook.cells if _nbgrader(c).get("grade")}
    assert {k: float(_nbgrader(c)["points"]) for k, c in grading.items()} == \
        {grade_id(p.name): p.points for p in parts.parts(extension=True)}
    assert len(grading) > len(parts.parts())
    assert all(c.source.rstrip().endswith("extension=True)") for c in grading.values())


def test_grading_cell_refuses_what_it_cannot_establish(tmp_path):
    """Does a grading cell raise (so nbgrader scores 0) for a part convkit does not know, or a notebook that was
    never saved, instead of returning a score?"""
    notebook = tmp_path / NOTEBOOK
    notebook.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    with pytest.raises(RuntimeError, match="no visible checks"):
        nbgrader_cell.part_score("no_such_part", notebook=str(notebook))
    with pytest.raises(FileNotFoundError):
        nbgrader_cell.part_score("corr2d", notebook=str(tmp_path / "unsaved.ipynb"))
