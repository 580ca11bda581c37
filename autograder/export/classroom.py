"""`convkit export classroom DIR`: a GitHub Classroom assignment repository (a template repository).

  the student bundle (student.py), plus
  .github/workflows/classroom.yml   GitHub Classroom's autograding workflow: one step per part with the
                                    classroom-resources/autograding-command-grader action (test-name, command,
                                    timeout in minutes, max-score), then autograding-grading-reporter, which reads
                                    each step's result from the env var <STEP ID>_RESULTS and reports the total
  README.md                         the bundle's README with a section on how the repository is graded

A step earns its max-score when its command exits 0 and writes nothing to stderr (the command grader counts any
stderr output as a failure), so each command is `python -m autograder.export.run ... --part P`, which reports on
stdout only. The repository is the students' own, so only visible checks can be in it: a part is worth its visible
points here, and scores them all or nothing (the command grader has no partial credit). Hidden checks count when
the instructor runs `convkit grade` on the students' repositories.
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from . import parts
from .files import public_version, template, write_tree
from .student import bundle_files

SUBMISSION = "exercises/conv_layer.py"
TIMEOUT_MINUTES = 10        # one part: two torch imports and a few seconds of checks on a shared runner
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


@dataclass(frozen=True)
class ClassroomTest:
    """One autograding step: a part, its visible points, and the command that passes only if they are all earned."""
    part: str
    points: float
    command: str

    @property
    def id(self) -> str:
        """The step id: lower case letters, digits and "-" (the reporter reads <ID upper-cased>_RESULTS)."""
        return re.sub(r"[^a-z0-9]+", "-", self.part.lower()).strip("-")


def tests(*, extension: bool = False, submission: str = SUBMISSION) -> list[ClassroomTest]:
    switch = " --extension" if extension else ""
    return [ClassroomTest(p.name, p.visible_points, f"python -m autograder.export.run {shlex.quote(submission)} "
                                                     f"--checks visible --part {shlex.quote(p.name)}{switch}")
            for p in parts.parts(extension=extension) if p.visible_points]


def workflow(steps: list[ClassroomTest]) -> str:
    """.github/workflows/classroom.yml (strings written as JSON, which YAML reads as the same strings)."""
    return template("classroom.yml", tests=steps, torch=public_version("torch"), number=parts.number,
                    json=json.dumps, command_grader=COMMAND_GRADER, reporter=REPORTER, timeout=TIMEOUT_MINUTES)


def write_repository(dest: Path, *, extension: bool = False) -> list[Path]:
    """Write the assignment repository into dest (new or empty); the paths written."""
    steps = tests(extension=extension)
    files = bundle_files(extension=extension)
    files["README.md"] += template("classroom_README.md", tests=steps, number=parts.number, submission=SUBMISSION,
                                   total=parts.number(sum(t.points for t in steps)))
    files[".github/workflows/classroom.yml"] = workflow(steps)
    return write_tree(dest, files)
