"""The floor: convkit's own checks on the same student code, in one plain process, with no isolation at all.

Every student module is imported with importlib into this process, every probe of every check is answered by
autograder.sandbox.probe.answer (the very function the sandboxed child runs), and the judge gives its verdicts
(grade.judge), so the work per submission is convkit's work minus everything isolation adds: no fork, no
sandbox, no pipes, no JSON frames, no worker threads. Time limits are the same as convkit's, under the zygote's
rules (answers_for): each probe is cut by SIGALRM after min(probe_seconds, what is left of submission_seconds).

    python -m benchmarks.floor FOLDER --timeout SECONDS --out floor.json [--shard K/J]

FOLDER is a class folder as `convkit grade` reads it; with --shard K/J, J copies can run side by side. The JSON holds the time of the grading loop alone (torch's
import and the planning of the probes are left out, in the floor's favour) and each student's result.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

import torch

from autograder.batch import Settings, plan
from autograder.cli import limits_for
from autograder.judge import grade
from autograder.sandbox import probe
from autograder.submission import discover


class Timeout(BaseException):
    """Raised by SIGALRM inside student code; named like the zygote's error type, so the judge reads the same."""


def _alarm(signum, frame):
    raise Timeout()


@contextlib.contextmanager
def _limit(seconds: float):
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _error(kind: str) -> dict:
    return {"ok": False, "error": {"type": kind, "message": "", "where": ""}}


def _import(source: str, filename: str, seconds: float):
    """The student module, or the zygote's "imported" error reply."""
    probe._seed(0)
    try:
        with _limit(seconds), contextlib.redirect_stdout(io.StringIO()):
            return probe.load(source, filename), None
    except Timeout:
        return None, _error("ImportTimeout")
    except BaseException as exc:                                  # the student's, as the child reports it
        return None, {"ok": False, "error": probe._error(exc, filename)}


def answers_for(source: str, probes: list[dict], limits, filename: str) -> dict:
    """The reply the zygote would send for one submission: {"imported", "answers"}, under the zygote's rules: a
    probe past the submission's budget fails as SubmissionTimeout; a function (or class) that overran its limit
    once is not called again; after a timeout the module is imported afresh, as the zygote starts a new child."""
    deadline = time.monotonic() + limits.submission_seconds
    module, imported, answers, timed_out = None, None, {}, set()
    for index, p in enumerate(probes):
        subject = str(p.get("fn") or p.get("cls") or "")
        if time.monotonic() >= deadline:
            answers[p["id"]] = _error("SubmissionTimeout")
            continue
        if subject in timed_out:
            answers[p["id"]] = _error("Timeout")
            continue
        if module is None:
            module, failure = _import(source, filename, min(limits.import_seconds, deadline - time.monotonic()))
            if failure is not None:
                if imported is None:
                    return {"imported": failure, "answers": {}}
                answers.update({q["id"]: failure for q in probes[index:]})
                break
            imported = {"ok": True}
        try:
            with _limit(min(limits.probe_seconds, deadline - time.monotonic())):
                reply = probe.answer(module, p, filename)
        except Timeout:                                           # raised outside the student's call
            reply = _error("Timeout")
        if not reply.get("ok") and reply.get("error", {}).get("type") == "Timeout":
            timed_out.add(subject)
            reply = _error("SubmissionTimeout" if time.monotonic() >= deadline else "Timeout")
            module = None                                         # the zygote would start a fresh child
        answers[p["id"]] = reply
    return {"imported": imported or {"ok": True}, "answers": answers}


def grade_folder(folder: Path, settings: Settings, *, shard: tuple[int, int] = (0, 1)) -> dict:
    """Grade every submission in `folder` (or shard (k, J): every J-th from the k-th) and time the loop."""
    torch.set_num_threads(1)                                      # as in the zygote: one thread per worker
    signal.signal(signal.SIGALRM, _alarm)
    planned, probes = plan(settings)                              # what batch.grade_all plans: the same checks
    submissions = discover([folder])[shard[0]::shard[1]]
    students = {}
    with tempfile.TemporaryDirectory(prefix="convkit-floor-") as scratch:
        filename = str(Path(scratch) / "conv_layer.py")
        started = time.monotonic()
        for s in submissions:
            t = time.monotonic()
            if s.source is None:
                results = grade.failed_all(planned, s.problem)
            else:
                results = grade.judge(planned, answers_for(s.source, probes, settings.limits, filename))
            students[s.student] = {"seconds": round(time.monotonic() - t, 4),
                                   "score": sum(r.score for r in results),
                                   "passed": [r.passed for r in results]}
        seconds = time.monotonic() - started
    return {"seconds": seconds, "students": students}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--timeout", type=float, required=True, help="as `convkit grade --timeout`")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--shard", default="0/1", help="K/J: grade only every J-th submission from the K-th (default 0/1)")
    args = p.parse_args(argv)
    k, j = (int(x) for x in args.shard.split("/"))
    result = grade_folder(args.folder, Settings(limits=limits_for(args.timeout)), shard=(k, j))
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
