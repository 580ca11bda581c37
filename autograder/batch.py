"""Grade many submissions: a pool of sandboxed workers, atomic per-student results, resumable with the same --out.

Per student, DIR/<student>/results.json (Gradescope's schema) and DIR/<student>/report.json (convkit's full
report, with the fingerprint a restarted batch compares) and DIR/<student>/feedback.html (the student's page);
DIR/grades.csv and DIR/report.html (the class page) once the batch is complete.
"""
from __future__ import annotations

import hashlib
import json
import os
import queue
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .emit import gradescope, grades_csv
from .judge.report import Report
from .runner import sandbox
from .runner.folder import sweep
from .runner.limits import Limits
from .runner.worker import Worker, WorkerError
from .submission import Submission

SANDBOX_FAILURE = "sandbox failure"   # a report with this note is the grader's failure: a restarted batch redoes it
DEFAULT_SEED = 20211  # any fixed value: hidden inputs depend on it, so a report is reproducible


@dataclass(frozen=True)
class Settings:
    seed: int = DEFAULT_SEED
    visible_only: bool = False
    extension: bool = False                # also grade the chapter's end-of-section exercises (checks/extension.py)
    jobs: int = 0                          # 0: the cores available
    substitute: bool = True                # grade Conv2D, learn_kernel, convolve2d on the reference corr2d/Conv2D
    limits: Limits = field(default_factory=Limits)

    @property
    def workers(self) -> int:
        return self.jobs or len(os.sched_getaffinity(0))


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers only ever see the old file or the complete new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fingerprint(submission: Submission, planned: list, settings: Settings) -> str:
    """Same source, same checks, same seed and limits -> same fingerprint -> a restarted batch may skip it."""
    h = hashlib.sha256()
    h.update((submission.source or "\0" + submission.problem).encode())
    h.update(json.dumps([(p.check.name, p.check.points) for p in planned]).encode())
    h.update(json.dumps([settings.seed, settings.limits.to_dict(), settings.substitute], sort_keys=True).encode())
    return h.hexdigest()


def plan(settings: Settings) -> tuple[list, list[dict]]:
    """The checks these settings ask for, planned with their seeded inputs, and the probes on the wire."""
    from . import checks as registry
    from .judge import grade

    checks = registry.all_checks(visible_only=settings.visible_only, extension=settings.extension)
    planned = grade.plan(checks, settings.seed, substitute=settings.substitute)
    return planned, grade.wire_probes(planned, settings.seed)


def grade_submission(submission: Submission, worker: Worker | None, planned: list, settings: Settings,
                     probes: list[dict]) -> Report:
    from .judge import grade

    started = time.monotonic()
    notes: tuple[str, ...] = ()
    stdout = ""
    if submission.problem or submission.source is None:
        results = grade.failed_all(planned, f"Not graded: {submission.problem}", "unreadable submission")
        notes = (submission.problem,)
    else:
        try:
            reply = worker.grade(submission.source, probes)
            results = grade.judge(planned, reply)
            output = reply.get("output") if isinstance(reply.get("output"), dict) else {}
            stdout = str(output.get("stdout", ""))[:4096]
        except WorkerError as error:
            results = grade.failed_all(planned, f"The sandbox stopped while grading this submission ({error}); "
                                                "nothing could be established, so every check scores zero.")
            notes = (SANDBOX_FAILURE,)
    return Report(student=submission.student, submission=str(submission.path), results=results, notes=notes,
                  seconds=round(time.monotonic() - started, 3), fingerprint=fingerprint(submission, planned, settings),
                  stdout=stdout)


def _done(out: Path | None, submission: Submission, expected: str) -> Report | None:
    if out is None:
        return None
    try:
        data = json.loads((out / submission.student / "report.json").read_text(encoding="utf-8"))
        report = Report.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    complete = report.fingerprint == expected and SANDBOX_FAILURE not in report.notes
    return report if complete and (out / submission.student / "results.json").exists() else None


def save(out: Path, report: Report) -> None:
    folder = out / report.student
    for stale in folder.glob(".*.tmp"):            # left by a grader killed in the middle of write_atomic
        stale.unlink(missing_ok=True)
    write_atomic(folder / "results.json", json.dumps(gradescope.results(report), indent=2, ensure_ascii=False))
    from .emit import html         # here, not at the top: matplotlib is slow to import and `convkit check` needs none
    write_atomic(folder / "feedback.html", html.feedback(report))
    # last: a report.json is what tells a restarted batch that this student is done
    write_atomic(folder / "report.json", json.dumps(report.to_dict(), indent=2, ensure_ascii=False))


def grade_all(submissions: list[Submission], *, settings: Settings = Settings(), out: Path | None = None,
              progress: bool = False, warn=lambda text: print(text, file=sys.stderr)) -> list[Report]:
    """Every submission graded (or taken from a previous run with the same fingerprint), in input order.

    The sandboxes are launched first and import torch while this process imports it for the judge and plans the
    probes (the two imports overlap: `convkit check` costs about one torch import, not two). Workers then wait
    for the plan before they take submissions.
    """
    isolation = sandbox.detect()
    count = min(settings.workers, sum(1 for s in submissions if s.source is not None))
    if count:
        sweep()                                        # what a grader killed earlier (SIGKILL) left in the temp dir
    reports: dict[int, Report] = {}
    todo: queue.Queue = queue.Queue()
    lock, failures, stop, planned_event, workers = threading.Lock(), [], threading.Event(), threading.Event(), []
    shared: dict = {}                                  # the plan and the progress bar, once ready
    finished = [threading.Event() for _ in range(count)]   # not Thread.join: Ctrl-C during a join breaks the next

    def work(n: int) -> None:
        try:
            _work(n)
        finally:
            finished[n].set()

    def _work(n: int) -> None:
        worker = Worker(isolation, settings.limits, index=n)
        workers.append(worker)                         # before it starts: Ctrl-C must reach a starting sandbox too
        try:
            with worker:                               # started in this thread: bwrap dies with the thread that began it
                while not planned_event.wait(0.2):
                    if stop.is_set():
                        return
                while not stop.is_set():
                    try:
                        index, submission = todo.get_nowait()
                    except queue.Empty:
                        return
                    report = grade_submission(submission, worker, shared["planned"], settings, shared["probes"])
                    if stop.is_set():                  # interrupted: its sandbox was killed, the report is void
                        return
                    if out is not None:
                        save(out, report)
                    with lock:
                        reports[index] = report
                        shared["bar"].update(1)
        except Exception as error:                     # a worker that cannot start stops the batch, loudly
            if not stop.is_set():
                failures.append(error)

    try:
        for n in range(count):
            threading.Thread(target=work, args=(n,), daemon=True).start()
        planned, probes = plan(settings)              # torch: imported while the sandboxes import theirs
        for index, submission in enumerate(submissions):
            previous = _done(out, submission, fingerprint(submission, planned, settings))
            if previous is not None:
                reports[index] = previous
            elif submission.source is None:
                reports[index] = grade_submission(submission, None, planned, settings, probes)
                if out is not None:
                    save(out, reports[index])
            else:
                todo.put((index, submission))
        if isolation.warning and not todo.empty():
            warn(isolation.warning)
        shared.update(planned=planned, probes=probes, bar=_progress(todo.qsize(), enabled=progress))
        planned_event.set()
        for event in finished:
            while not event.wait(0.2):
                pass
    except KeyboardInterrupt:
        _interrupt(stop, workers, finished)
        raise
    finally:
        if "bar" in shared:
            shared["bar"].close()
    if failures and len(reports) < len(submissions):
        raise RuntimeError(f"the sandbox could not start: {failures[0]}")
    ordered = [reports[i] for i in range(len(submissions))]
    if out is not None:
        write_atomic(out / "grades.csv", grades_csv.grades_csv(ordered))
        from .emit import class_report
        class_report.write(out, ordered)
    return ordered


def _interrupt(stop: threading.Event, workers: list[Worker], finished: list[threading.Event]) -> None:
    """Ctrl-C: no new submission starts, every sandbox is killed now, the workers clean up and end. Reports
    already saved stay; the ones in flight are dropped, so a restart with the same --out grades exactly those."""
    stop.set()
    for worker in list(workers):
        worker.kill()
    deadline = time.monotonic() + 10.0
    for event in finished:
        event.wait(max(0.0, deadline - time.monotonic()))


def _progress(total: int, *, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="submission", disable=not enabled or total == 0, file=sys.stderr,
                dynamic_ncols=True)
