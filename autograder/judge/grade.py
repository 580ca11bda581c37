"""Judge one submission: plan the probes of the chosen checks, send them to a worker, verify the answers.

The worker runs the student's code; this module only builds inputs, reads plain-data replies and compares them
with the oracle. Anything it cannot establish fails the check with a reason.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from . import answer, observe, substitution
from .check import Check, Trial
from .expect import Fail
from .report import CheckResult

GRADER_FAULT = ("The grader could not interpret this answer ({error}); the check scores zero. "
                "Please tell your instructor.")


@dataclass(frozen=True)
class Planned:
    check: Check
    trial: Trial
    ids: tuple[str, ...]
    substitute: tuple[str, ...] = ()    # prerequisites the sandbox replaces by its reference for these probes


def plan(checks: list[Check], seed: int, *, substitute: bool = True) -> list[Planned]:
    """substitute: grade each part with the reference versions of the parts it uses (Check.uses)."""
    return [Planned(c, t := c.trial(seed), tuple(f"{n}.{j}" for j in range(len(t.probes))),
                    c.uses if substitute else ())
            for n, c in enumerate(checks)]


def probe_seed(seed: int, probe_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}/{probe_id}".encode()).digest()[:4], "little") >> 1


def wire_probes(planned: list[Planned], seed: int) -> list[dict]:
    return [probe.to_wire(pid, probe_seed(seed, pid), p.substitute)
            for p in planned for probe, pid in zip(p.trial.probes, p.ids)]


def _subject(probe) -> str:
    name = probe.payload.get("fn") or probe.payload.get("cls") or "your code"
    return f"`{name}`"


def verdict(p: Planned, replies: dict) -> CheckResult:
    """One check's result from the replies to its probes."""
    c = p.check
    answers: list = []
    try:
        answers += [answer.decode(replies.get(pid), subject=_subject(probe), visible=c.visible)
                    for probe, pid in zip(p.trial.probes, p.ids)]
        p.trial.verify(*answers)
        passed, message, diagnosis = True, "Passed.", ""
    except Fail as failure:
        passed, message, diagnosis = False, failure.message, failure.diagnosis
    except Exception as error:                          # a grader bug must never pass a check
        passed, message, diagnosis = False, GRADER_FAULT.format(error=type(error).__name__), ""
    return CheckResult(name=c.name, part=c.part, max_score=c.points, visible=c.visible, passed=passed,
                       message=message, diagnosis=diagnosis,
                       observed=observe.kept(p.trial, answers) if c.visible and answers else {})


def failed_all(planned: list[Planned], message: str, diagnosis: str = "") -> tuple[CheckResult, ...]:
    return tuple(CheckResult(name=p.check.name, part=p.check.part, max_score=p.check.points,
                             visible=p.check.visible, passed=False, message=message, diagnosis=diagnosis)
                 for p in planned)


def judge(planned: list[Planned], reply: dict) -> tuple[CheckResult, ...]:
    """All checks' results from a zygote reply ({"imported", "answers", ...}), validated field by field."""
    imported = reply.get("imported") if isinstance(reply, dict) else None
    if not isinstance(imported, dict):
        return failed_all(planned, "The sandbox did not report on importing your file.")
    if imported.get("ok") is not True:
        why = answer.explain(imported.get("error"), subject="your file", visible=True)
        return failed_all(planned, "Your file could not be imported, so no check could run. " + why,
                          "import failed")
    replies = reply.get("answers")
    if not isinstance(replies, dict):
        return failed_all(planned, "The sandbox sent no answers.")
    return substitution.noted(planned, tuple(verdict(p, replies) for p in planned))
