"""`convkit build`: solutions/conv_layer.py -> exercises/conv_layer.py and exercises/conv_layer.ipynb.

The pipeline, in its only order: read the solution text; replace each solution region by its hint
(stubs.stub_source); write the stubbed text as a module (with a do-not-edit header) and as a notebook (one cell
per `# %%` cell). Both outputs come from the same stubbed text, so they cannot disagree.
"""
from __future__ import annotations

from pathlib import Path

from autograder import paths
from autograder.build.notebook import notebook_text
from autograder.build.stubs import header, stub_source

__all__ = ["build", "render"]


def render(*, solutions: Path = paths.REFERENCE_MODULE) -> dict[str, str]:
    """Solution file -> {exercise file name: its text}; pure and deterministic."""
    stubbed = stub_source(solutions.read_text(encoding="utf-8"))
    module_name = solutions.name
    notebook_name = solutions.with_suffix(".ipynb").name
    return {
        module_name: header(module_name) + stubbed,
        notebook_name: notebook_text(stubbed, exercise_name=notebook_name),
    }


def build(*, out_dir: Path = paths.EXERCISES) -> list[Path]:
    """Write render()'s files into out_dir (created if missing); returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render().items():
        path = out_dir / name
        path.write_bytes(text.encode("utf-8"))  # bytes: no newline translation, so files match render() exactly
        written.append(path)
    return written
