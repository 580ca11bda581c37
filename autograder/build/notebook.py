"""Turn the stubbed source into the exercise notebook (nbformat v4), one notebook cell per `# %%` cell."""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.build.source import split_cells

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def check_cell(exercise_name: str) -> str:
    """The closing markdown cell: how the student grades their own notebook."""
    return (
        "## 检查你的答案 (Check your work)\n"
        "\n"
        "保存这个 notebook，然后在终端里运行：\n"
        "\n"
        "*Save this notebook, then run in a terminal:*\n"
        "\n"
        "```\n"
        f"convkit check exercises/{exercise_name}\n"
        "```"
    )


def notebook_text(stubbed: str, *, exercise_name: str) -> str:
    """Stubbed percent-format source -> the notebook's JSON text.

    The preamble (the module docstring) stays in the .py file only. Cell ids come from the cell's index, so the
    same source always gives byte-identical text.
    """
    _, cells = split_cells(stubbed)
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    for cell in cells:
        new_cell = new_markdown_cell if cell.kind == "markdown" else new_code_cell
        nb.cells.append(new_cell(cell.text))
    nb.cells.append(new_markdown_cell(check_cell(exercise_name)))
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"  # nbformat would draw a random id
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
