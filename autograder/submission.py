"""Submissions: find them (a file, a student folder, a class folder, nbgrader's submitted/ tree) and read them.

Reading is parsing only (bytes, JSON, the Python grammar); nothing here executes student code. A submission that
cannot be read keeps a `problem` the report shows, and scores zero.
"""
from __future__ import annotations

import ast
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

MODULE = "conv_layer"
SUFFIXES = (".py", ".ipynb")
MAX_BYTES = 1024 * 1024      # a conv_layer.py is a few kB; a megabyte is not a submission
RESERVED = {"grades.csv", "report.html"}   # files of the output folder itself: no student may be named so


@dataclass(frozen=True)
class Submission:
    student: str                 # safe for paths: letters, digits, "-", "_", "."
    path: Path
    source: str | None           # the module's Python source (a notebook's code cells, in order)
    problem: str = ""            # why it cannot be graded, for the report


def safe_name(name: str) -> str:
    """A student name usable as one path component: `../x` -> `x`, spaces -> `_`, unicode letters kept."""
    name = unicodedata.normalize("NFKC", name)
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    cleaned = re.sub(r"_+", "_", cleaned).strip("._") or "student"
    return cleaned[:80]


def _nbgrader(cell: dict) -> dict | None:
    metadata = cell.get("metadata")
    found = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else None


def _answer_or_setup(cell: dict) -> bool:
    """In an nbgrader notebook: the answer cells (solution) and the locked code the answers need (the imports);
    never the grading cells, which call the grader itself."""
    meta = _nbgrader(cell) or {}
    return meta.get("solution") is True or (meta.get("locked") is True and meta.get("grade") is not True)


def notebook_source(text: str) -> str:
    """The code cells of a notebook, in order, as one module (IPython magics and shell lines commented out).

    A notebook with nbgrader metadata contributes only its answer cells and its locked non-grading code cells.
    """
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("no list of cells")
    nbgrader = any(isinstance(cell, dict) and _nbgrader(cell) is not None for cell in data["cells"])
    chunks = []
    for cell in data["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if nbgrader and not _answer_or_setup(cell):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if not isinstance(source, str):
            raise ValueError("a code cell whose source is not text")
        lines = [("# " + line) if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def read(path: Path, student: str) -> Submission:
    """One submission file -> Submission (with a problem when it cannot be graded)."""
    def problem(text: str) -> Submission:
        return Submission(student, path, None, text)

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return problem(f"The file is {size // 1024} kB; the limit is {MAX_BYTES // 1024} kB.")
        raw = path.read_bytes()[:MAX_BYTES + 1]
    except OSError as error:
        return problem(f"The file could not be read ({error.strerror}).")
    if not raw.strip():
        return problem("The file is empty.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return problem(f"The file is not UTF-8 text (byte {error.start}).")
    if path.suffix == ".ipynb":
        try:
            text = notebook_source(text)
        except (ValueError, RecursionError) as error:
            return problem(f"The notebook is not valid notebook JSON ({str(error)[:120]}).")
    try:
        ast.parse(text, filename=f"{MODULE}.py")
    except SyntaxError as error:
        return problem(f"The code does not parse: {error.msg} (line {error.lineno}).")
    except (ValueError, RecursionError, MemoryError) as error:
        return problem(f"The code does not parse ({type(error).__name__}).")
    return Submission(student, path, text)


def _module_in(folder: Path) -> Path | None:
    """conv_layer.py / .ipynb directly in `folder`, or in `folder/conv_layer/` (nbgrader's layout)."""
    for where in (folder, folder / MODULE):
        for suffix in SUFFIXES:
            candidate = where / f"{MODULE}{suffix}"
            if candidate.is_file() or candidate.is_symlink():
                return candidate
    return None


def _from_folder(folder: Path, student: str) -> Submission:
    found = _module_in(folder)
    if found is None:
        return Submission(student, folder, None, f"No {MODULE}.py or {MODULE}.ipynb in the folder.")
    if not found.resolve().is_relative_to(folder.resolve()):
        return Submission(student, found, None, "The submitted file is a link to a place outside the submission.")
    return read(found, student)


def _student_of(path: Path) -> str:
    return path.parent.name if path.stem == MODULE else path.stem


def discover(paths: list[Path]) -> list[Submission]:
    """Every submission under the given paths, in a stable order, with unique safe student names."""
    found: list[tuple[str, Path, bool]] = []          # (raw name, path, is a student folder)
    for path in paths:
        if path.is_file():
            found.append((_student_of(path.resolve()), path, False))
        elif path.is_dir() and _module_in(path) is not None:
            found.append((path.resolve().name, path, True))
        elif path.is_dir():
            for entry in sorted(path.iterdir()):
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    found.append((entry.name, entry, True))
                elif entry.suffix in SUFFIXES:
                    found.append((_student_of(entry), entry, False))
        else:
            found.append((path.name, path, False))
    submissions, used = [], set(RESERVED)
    for raw, path, is_folder in found:
        name, n = safe_name(raw), 2
        while name in used:
            name, n = f"{safe_name(raw)}-{n}", n + 1
        used.add(name)
        if is_folder:
            submissions.append(_from_folder(path, name))
        elif path.is_symlink() and not path.resolve().is_relative_to(path.parent.resolve()):
            submissions.append(Submission(name, path, None, "The submitted file is a link to a place outside "
                                                            "its folder."))
        elif not path.exists():
            submissions.append(Submission(name, path, None, "No such file or folder."))
        else:
            submissions.append(read(path, name))
    return submissions
