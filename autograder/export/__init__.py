"""Release the exercise through other graders, each a folder or a file built from the same checks and points.

  nbgrader_course.py  an nbgrader course directory (source notebook with answer, grading and read-only cells)
  nbgrader_cell.py    what a grading cell calls: the part's score, judged by convkit in a subprocess
  nbgrader_db.py      convkit's scores written into nbgrader's gradebook
  gradescope.py       the Gradescope autograder zip (setup.sh, run_autograder, the grader package)
  gradescope_run.py   what run_autograder runs: grade /autograder/submission into results/results.json
  student.py          the student bundle: exercises, the visible checks only, a pyproject that installs convkit
  visible_only.py     the check modules with every hidden check (and what only hidden checks used) cut out
  classroom.py        a GitHub Classroom assignment repository: the bundle plus the autograding workflow
  run.py              the judge as a command for those cells and steps: stdout only, exit status 0/1/2
  parts.py            the parts and points every export is built from, read from the check registry
  files.py            the grader package's files, its runtime packages, the templates, writing a tree
  command.py          `convkit export {nbgrader,gradescope,student,classroom} DEST`

This package imports nothing heavy at import time: grading cells import it inside a student's kernel.
"""
