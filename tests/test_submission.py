"""Finding and reading submissions (autograder/submission.py), and what `convkit grade` makes of broken ones."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder import paths
from autograder.submission import discover, safe_name
from conftest import read_reports, read_results, reference_notebook_text, run_convkit


@pytest.fixture
def reference_py() -> str:
    return paths.REFERENCE_MODULE.read_text(encoding="utf-8")


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _by_student(submissions) -> dict:
    return {s.student: s for s in submissions}


# ------------------------------------------------------------------ where submissions are found


def test_a_single_py_file_is_one_submission_named_after_it(tmp_path, reference_py):
    path = _write(tmp_path / "alice.py", reference_py)
    [s] = discover([path])
    assert (s.student, s.path, s.source, s.problem) == ("alice", path, reference_py, "")


def test_a_file_called_conv_layer_is_named_after_its_folder(tmp_path, reference_py):
    [s] = discover([_write(tmp_path / "bob" / "conv_layer.py", reference_py)])
    assert s.student == "bob"


def test_a_single_notebook_gives_its_code_cells_in_order(tmp_path):
    nb = nbformat.reads(reference_notebook_text(), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("%matplotlib inline\n!pip list"))
    path = _write(tmp_path / "carol.ipynb", nbformat.writes(nb))
    [s] = discover([path])
    assert s.student == "carol" and s.problem == ""
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert s.source.index("def corr2d") < s.source.index("class Conv2D") < s.source.index("def receptive_field")
    assert "# %matplotlib inline" in s.source and "# !pip list" in s.source   # magics kept out of the module
    assert all(line in s.source for cell in code[1:] for line in cell.splitlines())


def test_a_student_folder_is_one_submission(tmp_path, reference_py):
    folder = tmp_path / "dave"
    _write(folder / "conv_layer.py", reference_py)
    _write(folder / "notes.txt", "not code")
    [s] = discover([folder])
    assert (s.student, s.path.name, s.problem) == ("dave", "conv_layer.py", "")


def test_a_class_folder_mixes_files_and_folders(tmp_path, reference_py):
    cls = tmp_path / "class"
    _write(cls / "alice.py", reference_py)
    _write(cls / "bob" / "conv_layer.py", reference_py)
    _write(cls / "carol" / "conv_layer.ipynb", reference_notebook_text())
    _write(cls / "README.txt", "not a submission")
    _write(cls / ".hidden" / "conv_layer.py", reference_py)
    found = _by_student(discover([cls]))
    assert set(found) == {"alice", "bob", "carol"}
    assert all(s.problem == "" and "def corr2d" in s.source for s in found.values())


def test_nbgraders_submitted_tree(tmp_path):
    """nbgrader collects into submitted/<student>/conv_layer/conv_layer.ipynb: one submission per student."""
    submitted = tmp_path / "submitted"
    for student in ("s001", "s002"):
        _write(submitted / student / "conv_layer" / "conv_layer.ipynb", reference_notebook_text())
    found = _by_student(discover([submitted]))
    assert set(found) == {"s001", "s002"}
    assert all(s.path.name == "conv_layer.ipynb" and s.problem == "" for s in found.values())


# ------------------------------------------------------------------ names that are safe and unique


@pytest.mark.parametrize("raw, safe", [("../x", "x"), ("a b", "a_b"), ("Zoë Ünal", "Zoë_Ünal"), ("..", "student"),
                                       ("a/b\\c", "a_b_c"), ("", "student")])
def test_safe_name(raw, safe):
    assert safe_name(raw) == safe


def test_hostile_names_become_unique_single_path_components(tmp_path, reference_py):
    cls = tmp_path / "class"
    for name in ("a b", "a_b", "a?b", "Zoë", "x..", "-rf"):
        _write(cls / name / "conv_layer.py", reference_py)
    _write(cls / "a b.py", reference_py)
    names = [s.student for s in discover([cls, cls / ".." / "class" / "a b.py"])]
    assert len(names) == len(set(names)) == 8
    for name in names:
        assert "/" not in name and "\\" not in name and name not in ("", ".", "..")
        assert Path(name).name == name and not name.startswith(".")
    assert "Zoë" in names


# ------------------------------------------------------------------ what cannot be graded, and why


BROKEN_FILES = {        # student -> (file name, content, words of the problem)
    "empty": ("empty.py", b"   \n", "empty"),
    "latin1": ("latin1.py", "def corr2d(X, K):\n    return 'é'\n".encode("latin-1"), "not UTF-8"),
    "not_json": ("not_json.ipynb", b"{\"cells\": [", "not valid notebook JSON"),
    "no_cells": ("no_cells.ipynb", b"{\"metadata\": {}}", "not valid notebook JSON"),
    "syntax": ("syntax.py", b"def corr2d(X, K)\n    return X\n", "does not parse"),
}


@pytest.mark.parametrize("student", sorted(BROKEN_FILES))
def test_an_unreadable_file_carries_its_problem(tmp_path, student):
    name, content, words = BROKEN_FILES[student]
    [s] = discover([_write(tmp_path / name, content)])
    assert s.source is None and words in s.problem


def test_a_folder_without_conv_layer(tmp_path):
    _write(tmp_path / "erin" / "solution.py", "x = 1\n")
    [s] = discover([tmp_path / "erin" / ".."])
    assert s.student == "erin" and s.source is None and "No conv_layer.py" in s.problem


def test_a_missing_path(tmp_path):
    [s] = discover([tmp_path / "nobody.py"])
    assert s.source is None and s.problem


def test_a_link_out_of_the_submission_is_refused(tmp_path, reference_py):
    secret = _write(tmp_path / "outside" / "secret.py", reference_py)
    (tmp_path / "class" / "mallory").mkdir(parents=True)
    (tmp_path / "class" / "mallory" / "conv_layer.py").symlink_to(secret)
    [s] = discover([tmp_path / "class"])
    assert s.source is None and "link" in s.problem


def test_convkit_grade_scores_broken_submissions_zero_with_their_problem(tmp_path, reference_py):
    """Through the CLI: each broken submission gets 0, with its problem in every check's output; the others
    in the same class folder are graded normally and land in their own folder under --out."""
    cls = tmp_path / "class"
    for name, content, _ in BROKEN_FILES.values():
        _write(cls / name, content)
    _write(cls / "erin" / "solution.py", "x = 1\n")
    _write(cls / "Zoë Ünal" / "conv_layer" / "conv_layer.ipynb", reference_notebook_text())
    out = tmp_path / "out"
    done = run_convkit("grade", str(cls), "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    results, reports = read_results(out), read_reports(out)
    assert set(results) == {*BROKEN_FILES, "erin", "Zoë_Ünal"}
    assert {p.name for p in out.iterdir() if p.is_dir()} == set(results)       # nothing outside its folder
    assert results["Zoë_Ünal"]["score"] == 100
    expected = {**{student: words for student, (_, _, words) in BROKEN_FILES.items()}, "erin": "No conv_layer.py"}
    for student, words in expected.items():
        assert results[student]["score"] == 0
        assert words in results[student]["output"]
        assert all(words in t["output"] and t["status"] == "failed" for t in results[student]["tests"])
        assert reports[student].notes and words in reports[student].notes[0]
    assert json.loads((out / "empty" / "report.json").read_text(encoding="utf-8"))["student"] == "empty"
    shutil.rmtree(out)
