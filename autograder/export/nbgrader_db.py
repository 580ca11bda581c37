"""convkit's scores in nbgrader's gradebook, so formgrader and generate_feedback show them.

Each part of a Report becomes the automatic score of the part's grading cell (nbgrader_course.grade_id) in the
student's submission of the assignment, through nbgrader's own Gradebook API: the student and the submission are
created when missing, exactly as `nbgrader autograde` creates them. Nothing is written unless every part of
every report has a grading cell with the same maximum in the gradebook (a course exported from other checks is
refused, not half updated).
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..judge.report import Report
from .nbgrader_course import ASSIGNMENT, NOTEBOOK, grade_id


def nbgrader_student(report: Report, *, assignment: str = ASSIGNMENT) -> str:
    """The nbgrader student id: <student> of submitted/<student>/<assignment>/<notebook>, else convkit's name."""
    path = Path(report.submission)
    if path.parent.name == assignment and path.parent.parent.name:
        return path.parent.parent.name
    return report.student


def record(reports: list[Report], *, db: Path, assignment: str = ASSIGNMENT,
           notebook: str = Path(NOTEBOOK).stem) -> list[str]:
    """Write every report's part scores into the gradebook at `db` (a file path); the student ids written."""
    from nbgrader.api import Gradebook, MissingEntry

    if not db.is_file():
        raise FileNotFoundError(f"no nbgrader gradebook at {db}: run `nbgrader generate_assignment {assignment}` "
                                "in the course folder first")
    with Gradebook(f"sqlite:///{db.resolve()}") as gradebook:
        try:
            cells = {cell.name: cell.max_score for cell in gradebook.find_notebook(notebook, assignment).grade_cells}
        except MissingEntry:
            raise LookupError(f"the gradebook has no notebook {notebook!r} in assignment {assignment!r}: run "
                              f"`nbgrader generate_assignment {assignment}` first") from None
        for report in reports:
            missing = set(cells) - {grade_id(part) for part in report.parts()}
            if missing:
                raise ValueError(f"convkit graded no part for the gradebook's grading cell(s) {sorted(missing)}: "
                                 "grade with the checks the course was exported with (e.g. --extension)")
            for part, (_, top) in report.parts().items():
                if cells.get(grade_id(part)) != top:
                    raise ValueError(f"the gradebook's grading cell {grade_id(part)} is worth "
                                     f"{cells.get(grade_id(part))} points, convkit's part {part} {top}: export the "
                                     "course again from this convkit")
        written = []
        for report in reports:
            student = nbgrader_student(report, assignment=assignment)
            gradebook.update_or_create_student(student)
            try:
                gradebook.find_submission(assignment, student)
            except MissingEntry:
                gradebook.add_submission(assignment, student)
            for part, (score, _) in report.parts().items():
                grade = gradebook.find_grade(grade_id(part), notebook, assignment, student)
                grade.auto_score = score
                grade.needs_manual_grade = False
            written.append(student)
        gradebook.db.commit()
    return written


def record_and_say(reports: list[Report], *, db: Path) -> int:
    """`convkit grade --nbgrader-db DB`: record, then say what was written; 2 (and nothing written) on a refusal."""
    try:
        students = record(reports, db=db)
    except (OSError, LookupError, ValueError) as error:
        print(f"convkit grade: nothing was written to the nbgrader gradebook: {error}", file=sys.stderr)
        return 2
    print(f"scores of {len(students)} student(s) written to the nbgrader gradebook {db} (automatic scores of the "
          "grading cells)")
    return 0
