"""The same class graded the way a course without convkit would: a real nbgrader course, autograded by nbgrader.

The source notebook is solutions/conv_layer.py cell for cell: its markdown cells, its solution cells (nbgrader
reads the same `### BEGIN SOLUTION` regions), and after each part the plain-assert test cells an instructor would
write (visible asserts on the chapter's examples, `### BEGIN HIDDEN TESTS` for seeded random inputs), with the same
points per part as convkit's checks. `nbgrader generate_assignment` makes the release notebook; each student's
submitted notebook is that release notebook with every solution cell replaced by the student's own definitions
(the same code convkit grades as conv_layer.py); `nbgrader autograde` grades them all in one run, one fresh kernel
per notebook. Per-student times come from when nbgrader starts each student in its log.
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import paths
from autograder.build.source import BEGIN, split_cells

ASSIGNMENT = "conv_layer"          # nbgrader's layout submitted/<student>/conv_layer/conv_layer.ipynb
NOTEBOOK = "conv_layer.ipynb"

# (name defined by the solution cell these tests follow, grade_id, points, test source); points per part as convkit's
TESTS = {
    "corr2d": [
        ("corr2d_example", 6, '''\
X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
assert torch.allclose(corr2d(X, K), torch.tensor([[19.0, 25.0], [37.0, 43.0]]))
assert corr2d(torch.ones(6, 8), torch.ones(1, 2)).shape == (6, 7)'''),
        ("corr2d_random", 14, '''\
import torch.nn.functional as F
### BEGIN HIDDEN TESTS
g = torch.Generator().manual_seed(0)
for H, W, h, w in [(5, 7, 2, 3), (6, 6, 1, 1), (4, 9, 3, 2), (4, 4, 4, 4), (8, 5, 1, 3), (12, 10, 3, 3)]:
    X, K = torch.randn(H, W, generator=g), torch.randn(h, w, generator=g)
    X0, K0 = X.clone(), K.clone()
    Y = corr2d(X, K)
    assert Y.shape == (H - h + 1, W - w + 1)
    assert torch.allclose(Y, F.conv2d(X[None, None], K[None, None])[0, 0], atol=1e-4)
    assert torch.equal(X, X0) and torch.equal(K, K0)
Xi, Ki = torch.randint(-5, 6, (5, 6), generator=g), torch.randint(-3, 4, (2, 3), generator=g)
assert corr2d(Xi, Ki).is_floating_point()
X64 = 1e4 + torch.randn(5, 6, dtype=torch.float64, generator=g) * 1e-3
K64 = torch.randn(2, 2, dtype=torch.float64, generator=g)
Y64 = corr2d(X64, K64)
assert Y64.dtype == torch.float64
assert torch.allclose(Y64, F.conv2d(X64[None, None], K64[None, None])[0, 0], rtol=1e-12, atol=1e-9)
### END HIDDEN TESTS'''),
        ("corr2d_gradients", 5, '''\
### BEGIN HIDDEN TESTS
g = torch.Generator().manual_seed(1)
X = torch.randn(4, 5, dtype=torch.float64, generator=g).requires_grad_()
K = torch.randn(2, 3, dtype=torch.float64, generator=g).requires_grad_()
assert torch.autograd.gradcheck(corr2d, (X, K))
### END HIDDEN TESTS'''),
    ],
    "Conv2D": [
        ("conv2d_layer", 15, '''\
import torch.nn.functional as F
layer = Conv2D((1, 2))
assert isinstance(layer.weight, nn.Parameter) and layer.weight.shape == (1, 2)
assert isinstance(layer.bias, nn.Parameter) and layer.bias.shape == (1,)
x = torch.randn(6, 8)
assert torch.allclose(layer(x), F.conv2d(x[None, None], layer.weight[None, None])[0, 0] + layer.bias, atol=1e-5)
### BEGIN HIDDEN TESTS
layer = Conv2D((2, 3))
y = layer(torch.randn(5, 7))
assert y.shape == (4, 5)
y.sum().backward()
assert layer.weight.grad is not None and layer.bias.grad is not None
assert not torch.equal(Conv2D((2, 2)).weight, Conv2D((2, 2)).weight)
assert not torch.equal(Conv2D((2, 2)).weight, torch.zeros(2, 2))
### END HIDDEN TESTS'''),
    ],
    "edge_kernel": [
        ("edges", 10, '''\
X, K = edge_image(), edge_kernel()
assert X.shape == (6, 8) and X.dtype == torch.float32
assert torch.equal(X[:, 2:6], torch.zeros(6, 4)) and bool((X[:, [0, 1, 6, 7]] == 1).all())
assert torch.equal(K, torch.tensor([[1.0, -1.0]]))
expected = torch.zeros(6, 7)
expected[:, 1], expected[:, 5] = 1.0, -1.0
assert torch.equal(corr2d(X, K), expected)
### BEGIN HIDDEN TESTS
assert torch.equal(corr2d(X.t(), K), torch.zeros(8, 5))
### END HIDDEN TESTS'''),
    ],
    "learn_kernel": [
        ("learn_kernel_chapter", 12, '''\
import contextlib
import io
X = edge_image()
Y = torch.zeros(6, 7)
Y[:, 1], Y[:, 5] = 1.0, -1.0
log = io.StringIO()
with contextlib.redirect_stdout(log):
    model, losses = learn_kernel(X, Y)
assert len(losses) == 100 and losses[-1] < losses[0] and losses[-1] < 1e-3
assert torch.allclose(model.weight.detach(), torch.tensor([[1.0, -1.0]]), atol=1e-2)
assert torch.allclose(model.bias.detach(), torch.zeros(1), atol=1e-2)
assert log.getvalue().splitlines() == ['Step %d, loss %.3f' % (i, losses[i - 1]) for i in range(5, 101, 5)]'''),
        ("learn_kernel_hidden", 8, '''\
import contextlib
import io
import torch.nn.functional as F
### BEGIN HIDDEN TESTS
g = torch.Generator().manual_seed(2)
X = torch.randn(7, 7, generator=g)
K = torch.tensor([[0.5, -0.3, 0.8]])
Y = F.conv2d(X[None, None], K[None, None])[0, 0] + 0.2
with contextlib.redirect_stdout(io.StringIO()):
    model, losses = learn_kernel(X, Y, kernel_size=(1, 3), steps=400, lr=0.01, log_every=100)
assert len(losses) == 400
assert torch.allclose(model.weight.detach(), K, atol=1e-2)
assert torch.allclose(model.bias.detach(), torch.tensor([0.2]), atol=1e-2)
log = io.StringIO()
with contextlib.redirect_stdout(log):
    model, losses = learn_kernel(edge_image(), torch.zeros(6, 7), steps=12, lr=0.0, log_every=4)
assert len(losses) == 12 and max(losses) - min(losses) < 1e-6 * max(1.0, losses[0])
assert [line.split(',')[0] for line in log.getvalue().splitlines()] == ['Step 4', 'Step 8', 'Step 12']
### END HIDDEN TESTS'''),
    ],
    "convolve2d": [
        ("convolve2d", 15, '''\
import torch.nn.functional as F
X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
assert torch.allclose(convolve2d(X, K), torch.tensor([[5.0, 11.0], [23.0, 29.0]]))
### BEGIN HIDDEN TESTS
g = torch.Generator().manual_seed(3)
for H, W, h, w in [(5, 6, 2, 3), (7, 4, 3, 1), (6, 6, 2, 2)]:
    X, K = torch.randn(H, W, generator=g), torch.randn(h, w, generator=g)
    expected = F.conv2d(X[None, None], torch.flip(K, (0, 1))[None, None])[0, 0]
    assert torch.allclose(convolve2d(X, K), expected, atol=1e-5)
### END HIDDEN TESTS'''),
    ],
    "receptive_field_region": [
        ("receptive_field", 15, '''\
assert receptive_field([(2, 2)]) == (2, 2)
assert receptive_field([(2, 2), (2, 2)]) == (3, 3)
assert receptive_field([]) == (1, 1)
assert receptive_field_region([(2, 2), (2, 2)], 0, 0) == (slice(0, 3), slice(0, 3))
### BEGIN HIDDEN TESTS
assert receptive_field([(3, 1), (2, 4), (1, 1)]) == (4, 4)
assert receptive_field([(5, 2), (3, 3)]) == (7, 4)
assert receptive_field_region([(3, 1), (2, 4)], 1, 2) == (slice(1, 5), slice(2, 6))
### END HIDDEN TESTS'''),
    ],
}


def _defined(source: str) -> list[str]:
    """Top-level names a code cell defines (functions and classes)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def _meta(grade_id: str, *, solution: bool, grade: bool, points: float = 0) -> dict:
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
            "schema_version": 3, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook(*, reference: Path = paths.REFERENCE_MODULE) -> nbformat.NotebookNode:
    """solutions/conv_layer.py as an nbgrader source notebook, with TESTS after the cell defining each key."""
    _, cells = split_cells(reference.read_text(encoding="utf-8"))
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                                "language_info": {"name": "python"}})
    placed = set()
    for index, cell in enumerate(cells):
        if cell.kind == "markdown":
            nb.cells.append(new_markdown_cell(cell.text))
            continue
        names = _defined(cell.text)
        if BEGIN in cell.text:
            nb.cells.append(new_code_cell(cell.text, metadata=_meta(f"solution_{'_'.join(names) or index}",
                                                                    solution=True, grade=False)))
        else:                                               # the imports: a read-only cell, as nbgrader has them
            nb.cells.append(new_code_cell(cell.text, metadata=_meta(f"setup_{index}", solution=False, grade=False)))
        for name in names:
            for grade_id, points, test in TESTS.get(name, []):
                nb.cells.append(new_code_cell(test, metadata=_meta(grade_id, solution=False, grade=True,
                                                                   points=points)))
                placed.add(name)
    missing = set(TESTS) - placed
    if missing:
        raise ValueError(f"no solution cell defines {sorted(missing)}; update benchmarks/nbgrader_course.py")
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"
    nbformat.validate(nb)
    return nb


def submitted_notebook(release: nbformat.NotebookNode, student_source: str) -> nbformat.NotebookNode:
    """The release notebook with each solution cell holding the student's own definitions of its names."""
    tree = ast.parse(student_source)
    lines = student_source.splitlines(keepends=True)
    defs = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            defs[node.name] = "".join(lines[start:node.end_lineno]).rstrip() + "\n"
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            names = _defined(cell.source)
            if names and all(n in defs for n in names):
                cell.source = "\n\n".join(defs[n] for n in names).rstrip()
    return nb


@dataclass(frozen=True)
class Course:
    root: Path
    env: dict


def make_course(root: Path, timeout: int) -> Course:
    """A course folder with its config and the generated release notebook; timeout: nbgrader's seconds per cell."""
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(source_notebook(), root / "source" / ASSIGNMENT / NOTEBOOK)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.course_id = 'conv_layer_benchmark'\n"
        f"c.Execute.timeout = {int(timeout)}\n", encoding="utf-8")
    venv_bin = str(Path(sys.executable).parent)         # nbgrader runs `alembic` from the virtualenv
    env = {**os.environ, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
           "JUPYTER_CONFIG_DIR": str(root / ".jupyter"), "JUPYTER_DATA_DIR": str(root / ".jupyter-data"),
           "JUPYTER_RUNTIME_DIR": str(root / ".jupyter-runtime"), "IPYTHONDIR": str(root / ".ipython"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    course = Course(root, env)
    _nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course


def submit(course: Course, students: list[tuple[str, str]]) -> None:
    """(student, source) -> submitted/<student>/conv_layer/conv_layer.ipynb."""
    release = nbformat.read(course.root / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    for student, source in students:
        folder = course.root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(submitted_notebook(release, source), folder / NOTEBOOK)
        (folder / "timestamp.txt").write_text("2021-01-01 00:00:00.000000 UTC\n", encoding="utf-8")


def _nbgrader(course: Course, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course.root, env=course.env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {args[0]} failed:\n{done.stderr[-3000:]}")
    return done


STARTS = re.compile(r"Creating/updating student with ID '([^']+)'")


@dataclass(frozen=True)
class Autograded:
    seconds: float                      # the whole `nbgrader autograde` run, start-up included
    per_student: dict[str, float]       # from the start of one student in nbgrader's log to the start of the next
    scores: dict[str, float]
    failed: tuple[str, ...]             # students nbgrader reported an error for (its log: course/autograde.log)


FAILED = re.compile(r"There was an error processing assignment '[^']*' for student '([^']+)'")


def autograde(course: Course) -> Autograded:
    """`nbgrader autograde` of every submitted notebook; each log line is timestamped as it arrives.

    nbgrader goes on after a student it cannot process and exits 1 at the end; those students are listed, not
    fatal. The log, each line prefixed by the seconds since the start, is kept as course/autograde.log."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=course.root,
                               env=course.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               bufsize=1)
    marks: list[tuple[str, float]] = []
    failed: list[str] = []
    with open(course.root / "autograde.log", "w", encoding="utf-8") as log:
        for line in process.stderr:
            now = time.monotonic()
            log.write(f"{now - started:9.3f} {line}")
            if match := STARTS.search(line):
                marks.append((match.group(1), now))
            if match := FAILED.search(line):
                failed.append(match.group(1))
    process.wait()
    ended = time.monotonic()
    if not marks:
        raise RuntimeError(f"nbgrader autograde graded nobody; see {course.root / 'autograde.log'}")
    per_student = {student: (marks[i + 1][1] if i + 1 < len(marks) else ended) - t
                   for i, (student, t) in enumerate(marks)}
    return Autograded(ended - started, per_student, scores(course), tuple(failed))


def scores(course: Course) -> dict[str, float]:
    """Each student's autograded score, read back from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
