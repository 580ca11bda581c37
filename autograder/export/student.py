"""`convkit export student DIR`: what students receive when the course does not use nbgrader.

  DIR/exercises/conv_layer.py, .ipynb   the stubs, rendered from solutions/ at export time (as `convkit build` does)
  DIR/autograder/...                    convkit's grader, its checks cut to the visible ones (visible_only.py)
  DIR/pyproject.toml                    `pip install -e DIR` installs the `convkit` command (`convkit check`)
  DIR/README.md, DIR/.gitignore

No reference solution (solutions/ is never copied) and no hidden check (cut from the source, not filtered at run
time: a student can read every file of the bundle).
"""
from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from .. import paths
from . import parts
from .files import PACKAGE, RUNTIME, package_files, public_version, template, write_tree
from .visible_only import visible_only

CHECKS = f"{PACKAGE.name}/checks/"
# Instructors' tools stay out: build/ renders the exercises from solutions/, and the exports write courses. Students
# keep what `convkit check`, a GitHub Classroom step and an nbgrader grading cell run.
INSTRUCTORS = (f"{PACKAGE.name}/build/", f"{PACKAGE.name}/export/")
STUDENTS_EXPORT = tuple(f"{PACKAGE.name}/export/{name}"
                        for name in ("__init__.py", "command.py", "parts.py", "run.py", "nbgrader_cell.py"))


def student_package() -> dict[str, bytes]:
    """The autograder package's files students run, with every module of autograder/checks/ cut to its visible
    checks."""
    files = {name: body for name, body in package_files().items()
             if not name.startswith(INSTRUCTORS) or name in STUDENTS_EXPORT}
    checks = {name: body.decode("utf-8") for name, body in files.items()
              if name.startswith(CHECKS) and name.endswith(".py")}
    context = [body.decode("utf-8") for name, body in files.items()
               if name.endswith(".py") and name not in checks]
    cut = visible_only(checks, context=context)
    return {**files, **{name: text.encode("utf-8") for name, text in cut.items()}}


def bundle_files(*, extension: bool = False) -> dict[str, str | bytes]:
    from ..build import render

    exercises = {f"exercises/{name}": text for name, text in render(solutions=paths.REFERENCE_MODULE).items()}
    visible = [p for p in parts.parts(extension=extension) if p.visible_points]
    torch = public_version("torch")
    return {
        **exercises,
        **student_package(),
        "pyproject.toml": template("student_pyproject.toml", version=version("convkit"), torch=torch,
                                   dependencies=[f"torch=={torch}", *RUNTIME]),
        "README.md": template("student_README.md", parts=visible, number=parts.number, extension=extension,
                              torch=torch),
        ".gitignore": "__pycache__/\n*.egg-info/\n.venv/\n",
    }


def write_bundle(dest: Path, *, extension: bool = False) -> list[Path]:
    """Write the student bundle into dest (new or empty); the paths written."""
    return write_tree(dest, bundle_files(extension=extension))
