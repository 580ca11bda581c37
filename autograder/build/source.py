"""Read the percent-format solution file: its cells, and the nbgrader solution regions inside them.

The file is a Python module that also describes a notebook:

    <preamble: the module docstring; it belongs to the .py file only, not to the notebook>
    # %% [markdown]
    # markdown, one `# `-prefixed comment line per line
    # %%
    code
        ### BEGIN SOLUTION
        # Hint: one line for the student
        reference code
        ### END SOLUTION
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MARKDOWN_MARKER = "# %% [markdown]"
CODE_MARKER = "# %%"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = "# Hint:"


class SourceError(ValueError):
    """The solution file breaks the cell or region format; the message names the line (1-based)."""


@dataclass(frozen=True)
class Cell:
    """One notebook cell: its kind and the lines after its marker, blank edges trimmed."""

    kind: Literal["markdown", "code"]
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The cell as the notebook shows it: markdown without its `# ` prefixes, code as written."""
        if self.kind == "code":
            return "\n".join(self.lines)
        return "\n".join(_uncomment(line) for line in self.lines)


@dataclass(frozen=True)
class Region:
    """One solution region: lines[first] is its BEGIN marker, lines[last] its END marker (0-based)."""

    first: int
    last: int
    indent: str
    hint: str


def split_cells(text: str) -> tuple[str, list[Cell]]:
    """text -> (preamble, cells): everything before the first cell marker, then one Cell per marker."""
    preamble: list[str] = []
    cells: list[tuple[str, list[str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.rstrip() == MARKDOWN_MARKER:
            cells.append(("markdown", []))
        elif line.rstrip() == CODE_MARKER:
            cells.append(("code", []))
        elif line.startswith(CODE_MARKER):
            raise SourceError(f"line {number}: unknown cell marker {line.strip()!r}")
        elif cells:
            kind, lines = cells[-1]
            if kind == "markdown" and line.strip() and not (line == "#" or line.startswith("# ")):
                raise SourceError(f"line {number}: markdown cells hold only '# '-prefixed comment lines")
            lines.append(line)
        else:
            preamble.append(line)
    return "\n".join(preamble), [Cell(kind, _trim(lines)) for kind, lines in cells]  # type: ignore[arg-type]


def find_regions(lines: list[str] | tuple[str, ...], *, offset: int = 0) -> list[Region]:
    """Every solution region in lines, in order; offset is added to line numbers in error messages."""
    regions = []
    begin = None
    for index, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise SourceError(f"line {offset + index + 1}: {BEGIN} inside another region")
            begin = index
        elif marker == END:
            if begin is None:
                raise SourceError(f"line {offset + index + 1}: {END} without {BEGIN}")
            regions.append(_region(lines, begin, index, offset))
            begin = None
        elif marker.startswith(CODE_MARKER) and begin is not None:
            raise SourceError(f"line {offset + index + 1}: a cell marker inside a solution region")
    if begin is not None:
        raise SourceError(f"line {offset + begin + 1}: {BEGIN} is never closed by {END}")
    return regions


def _region(lines, first: int, last: int, offset: int) -> Region:
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    if not lines[last].startswith(indent + END):
        raise SourceError(f"line {offset + last + 1}: {END} is not indented like its {BEGIN}")
    hint_line = lines[first + 1].strip() if first + 1 < last else ""
    hint = hint_line[len(HINT):].strip()
    if not hint_line.startswith(HINT) or not hint:
        raise SourceError(f"line {offset + first + 2}: a region must open with a non-empty '{HINT} ...' line")
    return Region(first, last, indent, hint)


def _uncomment(line: str) -> str:
    """'# text' -> 'text'; a bare '#' (or a blank line) is an empty markdown line."""
    return line[2:] if line.startswith("# ") else ""


def _trim(lines: list[str]) -> tuple[str, ...]:
    """Drop leading and trailing blank lines (the spacing between cells in the .py file)."""
    start, stop = 0, len(lines)
    while start < stop and not lines[start].strip():
        start += 1
    while stop > start and not lines[stop - 1].strip():
        stop -= 1
    return tuple(lines[start:stop])
