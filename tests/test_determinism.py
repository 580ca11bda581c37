"""The same submission graded twice gives the same report (timings aside), in one batch and across batches.

Graded: the reference, the exercise stubs, every sample submission in examples/, and a submission that reports the
state each forked child starts from (random generators, torch's thread count) through a visible check's message.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import paths
from conftest import read_reports, reference_module_text, run_watched, comparable

# corr2d is the reference's; edge_kernel and edge_image fail on purpose, with messages (visible checks show a
# student's exception text) made of what the child's random generators and thread pool give it
STATE = '''

import random as _random

import numpy as _numpy


def _state():
    return (f"torch {torch.rand(2).tolist()} random {_random.random()} numpy {_numpy.random.rand()} "
            f"threads {torch.get_num_threads()} interop {torch.get_num_interop_threads()} "
            f"hash {hash('convkit') % 1000}")


def edge_kernel():
    raise RuntimeError("state: " + _state())


def edge_image():
    before = _state()
    torch.set_num_threads(2)
    X = torch.randn(256, 256)
    raise RuntimeError(f"state: {before} matmul {float((X @ X).sum()):.3f}")
'''


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    (folder / "reference.py").write_text(reference_module_text(), encoding="utf-8")
    (folder / "reference_again.py").write_text(reference_module_text(), encoding="utf-8")
    (folder / "state.py").write_text(reference_module_text() + STATE, encoding="utf-8")
    (folder / "state_again.py").write_text(reference_module_text() + STATE, encoding="utf-8")
    shutil.copy(paths.EXERCISES / "conv_layer.py", folder / "stubs.py")
    for sample in sorted(paths.EXAMPLES.iterdir()):
        if sample.suffix in (".py", ".ipynb"):
            shutil.copy(sample, folder / sample.name)
    return folder


@pytest.fixture(scope="module")
def runs(klass, tmp_path_factory) -> list[dict]:
    """Two whole batches of the same class, each with two workers."""
    reports = []
    for n in range(2):
        root = tmp_path_factory.mktemp(f"run{n}")
        done = run_watched("grade", str(klass), "--out", str(root / "out"), "--jobs", "2", "--no-progress",
                           cwd=root, tmp=root / "tmp")
        assert done.code == 0, done.stderr[-2000:]
        reports.append(read_reports(root / "out"))
    return reports


def test_two_batches_give_identical_reports(runs):
    """Is every field of every report but `seconds` the same in two runs (scores, messages, diagnoses, stdout)?"""
    first, second = runs
    assert set(first) == set(second) and len(first) >= 6
    for student in first:
        assert comparable(first[student]) == comparable(second[student]), student


def test_the_same_source_twice_in_one_batch(runs):
    """Two students with the same file, graded by whichever worker comes free: the same results?"""
    for report in runs:
        for a, b in (("reference", "reference_again"), ("state", "state_again")):
            assert report[a].results == report[b].results


def test_children_start_from_seeded_generators(runs):
    """Does each call see torch, random and numpy seeded for that call (the same in every run, different between
    calls), with one intra-op thread until the student asks for more?"""
    report = runs[0]["state"]
    messages = [r.message for r in report.results if r.visible and "state: " in r.message]
    assert len(messages) >= 2
    states = {m.split("state: ")[1] for m in messages}
    assert len(states) == len(messages), "two calls saw the same random state"
    assert all("threads 1 " in m for m in messages), "every call starts with one intra-op thread"
    assert any("matmul" in m for m in messages), "and may use more in a forked child"


def test_the_reference_scores_full_marks_every_time(runs):
    for report in runs:
        assert report["reference"].score == report["reference"].max_score
