"""`convkit export nbgrader DIR`: an nbgrader course directory generated from solutions/ and the check registry.

  DIR/nbgrader_config.py
  DIR/source/conv_layer/conv_layer.ipynb   the instructor's notebook, which `nbgrader generate_assignment` releases
  DIR/README.md                            the commands, in order

The source notebook, one cell per `# %%` cell of solutions/conv_layer.py:
  markdown            read-only cells (nbgrader: locked), the chapter's text
  imports             a read-only code cell (locked): the answers need it, students cannot change it
  code with regions   autograded answer cells (solution); each region keeps its `### BEGIN SOLUTION` markers, and
                      its `# Hint:` line moves above them so the released stub keeps the hint
  one grading cell    per part (grade, locked, points = the sum of the part's checks), placed after the last answer
                      cell that defines a name the part's checks call; visible checks run in the released notebook,
                      a `### BEGIN HIDDEN TESTS` region switches to all checks when nbgrader autogrades
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .. import paths
from ..build.source import Cell, find_regions, split_cells
from . import parts
from .files import template, write_tree

ASSIGNMENT = "conv_layer"                 # nbgrader's assignment id, and the notebook's name
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
PROBE_SEED = 0                            # only to read which names a check calls; its inputs are not used


def grade_id(part: str) -> str:
    """The grading cell of a part: "Conv2D" -> "test_Conv2D" (nbgrader ids: letters, digits, "_" and "-")."""
    return "test_" + re.sub(r"[^A-Za-z0-9_-]+", "_", part).strip("_")


def _nbgrader(cell_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
              points: float | None = None) -> dict:
    """A cell's nbgrader metadata (format version 3)."""
    meta = {"grade": grade, "grade_id": cell_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = parts.number(points)
    return {"nbgrader": meta}


def answer_text(cell: Cell) -> str:
    """A code cell's text with each region's `# Hint:` line moved just above its BEGIN marker."""
    lines = list(cell.lines)
    for region in reversed(find_regions(lines)):
        hint = lines.pop(region.first + 1)
        lines.insert(region.first, hint)
    return "\n".join(lines)


def _defined(text: str) -> set[str]:
    names = set()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def called_names(checks) -> set[str]:
    """The student names a part's checks call (the `fn` or `cls` of their probes)."""
    names = set()
    for check in checks:
        for probe in check.trial(PROBE_SEED).probes:
            names.add(probe.payload.get("fn") or probe.payload.get("cls"))
    return names - {None}


def grading_text(part: str, *, extension: bool = False) -> str:
    """The grading cell: the part's score from convkit, visible checks, or all checks once hidden tests are in."""
    switch = ", extension=True" if extension else ""
    return (f"# Grading cell for {part}: convkit judges the saved notebook outside this kernel; the number is the "
            "part's score.\n"
            "from autograder.export.nbgrader_cell import part_score\n"
            "\n"
            'checks = "visible"\n'
            "### BEGIN HIDDEN TESTS\n"
            'checks = "all"\n'
            "### END HIDDEN TESTS\n"
            f"part_score({json.dumps(part)}, checks=checks{switch})")


def source_notebook(*, solutions: Path = paths.REFERENCE_MODULE, extension: bool = False) -> nbformat.NotebookNode:
    """solutions/conv_layer.py and the check registry -> the course's source notebook, laid out as above."""
    _, cells = split_cells(solutions.read_text(encoding="utf-8"))
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    defined_at: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if cell.kind == "markdown":
            nb.cells.append(new_markdown_cell(cell.text, metadata=_nbgrader(f"text_{index:02d}", locked=True)))
            if index == 0:
                nb.cells.append(new_markdown_cell(template("nbgrader_notebook_intro.md"),
                                                  metadata=_nbgrader("text_nbgrader", locked=True)))
        elif find_regions(cell.lines):
            names = _defined(cell.text)
            name = sorted(names)[0] if len(names) == 1 else f"{index:02d}"
            nb.cells.append(new_code_cell(answer_text(cell), metadata=_nbgrader(f"answer_{name}", solution=True)))
            defined_at.update(dict.fromkeys(names, len(nb.cells) - 1))
        else:
            nb.cells.append(new_code_cell(cell.text, metadata=_nbgrader(f"setup_{index:02d}", locked=True)))
            defined_at.update(dict.fromkeys(_defined(cell.text), len(nb.cells) - 1))
    checks = parts.all_checks(extension=extension)
    after: dict[int, list] = {}
    for part in parts.parts(extension=extension):
        called = called_names([c for c in checks if c.part == part.name])
        position = max((defined_at[n] for n in called if n in defined_at), default=len(nb.cells) - 1)
        after.setdefault(position, []).append(part)
    for position in sorted(after, reverse=True):
        nb.cells[position + 1:position + 1] = [
            new_code_cell(grading_text(part.name, extension=extension),
                          metadata=_nbgrader(grade_id(part.name), grade=True, locked=True, points=part.points))
            for part in after[position]]
    nb.cells.append(new_markdown_cell(template("nbgrader_notebook_end.md"), metadata=_nbgrader("text_end",
                                                                                               locked=True)))
    for cell in nb.cells:
        cell.id = cell.metadata["nbgrader"]["grade_id"]      # unique, stable: the same source gives the same text
    nbformat.validate(nb)
    return nb


def write_course(dest: Path, *, extension: bool = False) -> list[Path]:
    """Write the course directory into dest (new or empty); the paths written."""
    notebook = nbformat.writes(source_notebook(extension=extension)) + "\n"
    return write_tree(dest, {
        "nbgrader_config.py": template("nbgrader_config.py"),
        f"source/{ASSIGNMENT}/{NOTEBOOK}": notebook,
        "README.md": template("nbgrader_README.md", assignment=ASSIGNMENT, notebook=NOTEBOOK),
    })

