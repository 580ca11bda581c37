"""What exports are made of: the grader package's files, its runtime packages, templates, and the tree written."""
from __future__ import annotations

import os
from importlib import resources
from importlib.metadata import version
from pathlib import Path

EXECUTABLE = 0o755
PACKAGE = Path(__file__).resolve().parent.parent          # autograder/
RUNTIME = ("numpy", "tqdm")        # what grading imports besides torch (sandbox/probe.py seeds numpy; batch: tqdm)


def package_files(package: Path = PACKAGE) -> dict[str, bytes]:
    """Every file of the autograder package under its path in an export, compiled bytecode left out."""
    return {f"{package.name}/{path.relative_to(package).as_posix()}": path.read_bytes()
            for path in sorted(package.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}


def public_version(distribution: str) -> str:
    """2.13.0+cpu -> 2.13.0: a pin names the release; the index it is installed from picks the build."""
    return version(distribution).partition("+")[0]


def template(name: str, **values) -> str:
    """templates/<name> rendered by jinja2; a value the template names but was not given is an error."""
    import jinja2

    text = (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")
    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                                     autoescape=False)
    return environment.from_string(text).render(**values)


def empty_destination(dest: Path) -> Path:
    """dest, created; refused when it already holds something (an export never overwrites an instructor's files)."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"{dest} already exists and is not an empty folder; choose a new destination")
    dest.mkdir(parents=True, exist_ok=True)
    return dest


def write_tree(dest: Path, files: dict[str, str | bytes], *, executable: tuple[str, ...] = ()) -> list[Path]:
    """Write {relative path: text or bytes} under dest (which must be empty); the paths written, sorted."""
    empty_destination(dest)
    written = []
    for relative, content in sorted(files.items()):
        path = dest / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        if relative in executable:
            os.chmod(path, EXECUTABLE)
        written.append(path)
    return written
