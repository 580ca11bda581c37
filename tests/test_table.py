"""The terminal table: colour only on a terminal without NO_COLOR, and the likely mistake on a line of its own."""
from __future__ import annotations

import os
import pty
import subprocess
import sys

from autograder import cli
from autograder.emit import table
from autograder.judge.report import CheckResult, Report

from conftest import ROOT

RED = "\033[31m"


def _report() -> Report:
    return Report("alice", "alice.py", (
        CheckResult("corr2d: example", "corr2d", 4, True, False, "corr2d(X, K) has wrong values.",
                    "kernel flipped: convolution, not cross-correlation"),
        CheckResult("Conv2D: forward", "Conv2D", 4, True, True,
                    "Passed.\nGraded with the reference `corr2d` in place of yours.")))


def test_plain_text_has_no_escapes_and_names_the_mistake():
    text = table.checks_table(_report())
    assert "\033[" not in text
    assert "      likely mistake: kernel flipped: convolution, not cross-correlation" in text.splitlines()


def test_a_passed_check_shows_its_note():
    """Is the note of a check graded on the reference visible even though the check passed?"""
    assert "Graded with the reference `corr2d` in place of yours." in table.checks_table(_report())


def test_colour_marks_pass_fail_and_mistake():
    text = table.checks_table(_report(), colour=True)
    assert RED + "\033[1mFAIL" in text and "\033[32m\033[1mPASS" in text and "\033[33m\033[1mlikely mistake" in text


def _check_on_a_terminal(extra_env: dict) -> str:
    """`convkit check` on the reference with its stdout on a pseudo-terminal; what it wrote there."""
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | extra_env
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen([sys.executable, "-m", "autograder.cli", "check", str(ROOT / "solutions" /
                                "conv_layer.py")], stdout=secondary, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:             # the terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=600)
    os.close(primary)
    return b"".join(chunks).decode(errors="replace")


def test_convkit_check_colours_a_terminal_unless_no_color():
    """On a real pseudo-terminal, is the table coloured, and plain once NO_COLOR is set?"""
    assert "\033[32m" in _check_on_a_terminal({})
    plain = _check_on_a_terminal({"NO_COLOR": "1"})
    assert "PASS" in plain and "\033[" not in plain


def test_colour_is_off_when_output_is_not_a_terminal(tmp_path):
    with open(tmp_path / "out.txt", "w") as f:
        assert cli.colour_wanted(f) is False
