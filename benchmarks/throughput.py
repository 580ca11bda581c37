"""Class-scale throughput: `convkit grade` against nbgrader and against the in-process floor, on the same class.

    .venv/bin/python -m benchmarks.throughput [--n 200] [--nbgrader-sample 20] [--jobs CORES] [--timeout 5]

Everything happens in a temporary folder that is removed afterwards (--keep DIR works in DIR and keeps it):
  1. a class of N submissions (benchmarks/submissions.py: half correct, the rest one realistic mistake each,
     and 2% that never finish), as DIR/class/<student>/conv_layer.py;
  2. `convkit check` of one correct submission, and `python -c "import torch"` (medians of 3 runs each);
  3. `convkit grade DIR/class --out DIR/out --jobs J --timeout T`, a real subprocess, with its process tree's
     memory sampled from /proc every 0.2 s (benchmarks/memory.py);
  4. the floor: the same checks on the same modules in one plain process (benchmarks/floor.py), divided by J;
  5. nbgrader: a course with the same code as notebooks (benchmarks/nbgrader_course.py) and `nbgrader
     autograde` of a stratified sample of K students (every variant at least once); nbgrader's seconds per
     submission for the whole class are its per-variant means weighted by the class's mix;
  6. `convkit grade` of one submission with --jobs 1, sampled every 0.05 s: the memory a container needs.
It prints one table. Time limits: convkit and the floor get T seconds per submission (and per call); nbgrader
gets its own default, 30 s per cell (--nbgrader-timeout), because its cells include `import torch`, which alone
takes several seconds in a fresh kernel on a busy machine: a 5 s cell limit fails correct notebooks there. The
never-finishing submissions therefore cost nbgrader more than convkit; the table gives every figure with and
without them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import memory, nbgrader_course, submissions

ROOT = Path(__file__).resolve().parent.parent
TARGET_NBGRADER = 20.0      # convkit's throughput at least 20 times nbgrader's
TARGET_FLOOR = 1.3          # convkit's seconds per submission at most 1.3 times the floor's
TARGET_CHECK = 1.0          # convkit check at most import torch + 1 s
TARGET_WORKER_MB = 400
CONTAINER_MB = 768


def _convkit() -> list[str]:
    script = Path(sys.executable).parent / "convkit"
    return [str(script)] if script.exists() else [shutil.which("convkit") or "convkit"]


def _env() -> dict:
    return {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}


def median_wall(argv: list[str], runs: int = 3) -> float:
    walls = []
    for _ in range(runs):
        started = time.monotonic()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), cwd=ROOT)
        walls.append(time.monotonic() - started)
    return statistics.median(walls)


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"nproc {len(os.sched_getaffinity(0))}, {model}"


def load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def grade_with_convkit(folder: Path, out: Path, *, jobs: int, timeout: float,
                       interval: float = 0.2) -> tuple[float, memory.Peaks, dict]:
    """`convkit grade` as a user runs it: (wall seconds, memory peaks, student -> report.json)."""
    argv = _convkit() + ["grade", str(folder), "--out", str(out), "--jobs", str(jobs), "--timeout", str(timeout),
                         "--no-progress"]
    started = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    try:
        with memory.Sampler(process.pid, interval) as sampler:
            _, stderr = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"convkit grade failed ({process.returncode}):\n{stderr[-3000:]}")
    reports = {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/report.json")}
    return seconds, sampler.peaks, reports


def run_floor(folder: Path, out: Path, *, timeout: float, shards: int = 1) -> list[dict]:
    """The floor in `shards` plain processes at once, each grading every shards-th submission; their JSONs."""
    outs = [out.with_name(f"{out.stem}-{k}-of-{shards}.json") for k in range(shards)]
    processes = [subprocess.Popen([sys.executable, "-m", "benchmarks.floor", str(folder), "--timeout", str(timeout),
                                   "--out", str(o), "--shard", f"{k}/{shards}"], cwd=ROOT, env=_env(),
                                  stdout=subprocess.DEVNULL) for k, o in enumerate(outs)]
    if any(p.wait() != 0 for p in processes):
        raise RuntimeError("the floor failed")
    return [json.loads(o.read_text(encoding="utf-8")) for o in outs]


def run_nbgrader(folder: Path, sample: list[submissions.Student], *, timeout: int) -> nbgrader_course.Autograded:
    course = nbgrader_course.make_course(folder, timeout=timeout)
    nbgrader_course.submit(course, [(s.student, s.source) for s in sample])
    return nbgrader_course.autograde(course)


@dataclass(frozen=True)
class Rate:
    """Seconds per submission over the class, and over the class without its never-finishing submissions."""
    all: float
    finishing: float


def class_rate(per_student: dict[str, float], students: list[submissions.Student]) -> Rate:
    """From a sample: each variant's mean seconds, weighted by the variant's share of the class."""
    variant_of = {s.student: s.variant for s in students}
    by_variant: dict[str, list[float]] = {}
    for student, seconds in per_student.items():
        by_variant.setdefault(variant_of[student].name, []).append(seconds)
    counts = {name: k for name, k in submissions.counts(len(students)).items() if k}
    missing = set(counts) - set(by_variant)
    if missing:
        raise RuntimeError(f"the sample misses variants {sorted(missing)}: raise --nbgrader-sample")
    kinds = {v.name: v.kind for v in submissions.VARIANTS}

    def mean(names) -> float:
        return sum(counts[v] * statistics.mean(by_variant[v]) for v in names) / sum(counts[v] for v in names)
    return Rate(mean(counts), mean([v for v in counts if kinds[v] != "timeout"]))


@dataclass(frozen=True)
class Measured:
    stamp: str
    machine: str
    loads: tuple[str, str]
    n: int
    mix: dict
    jobs: int
    timeout: float
    nbgrader_timeout: int
    torch_import: float
    check: float
    convkit_wall: float
    convkit: Rate
    floor_loop: float
    floor: Rate
    floor_parallel: Rate            # the floor in J plain processes at once: what the machine gives J processes
    nbgrader: Rate
    nbgrader_graded: int
    nbgrader_wall: float
    nbgrader_failed: tuple[str, ...]
    kinds: dict                     # system -> kind -> mean seconds of one submission on one worker
    peaks: memory.Peaks
    one: memory.Peaks
    agree: int


def measure(*, n: int, sample_size: int, jobs: int, timeout: float, nbgrader_timeout: int, work: Path) -> Measured:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_before = load()
    students = submissions.make_class(n)
    folder = submissions.write_class(students, work / "class")
    kind_of = {s.student: s.variant.kind for s in students}
    endless = [s.student for s in students if s.variant.kind == "timeout"]
    reference = next(s for s in students if s.variant.kind == "correct")

    print("1/5 import torch and convkit check, 3 runs each", file=sys.stderr)
    torch_import = median_wall([sys.executable, "-c", "import torch"])
    check = median_wall(_convkit() + ["check", str(folder / reference.student / "conv_layer.py")])

    print(f"2/5 convkit grade of {n} submissions, --jobs {jobs}", file=sys.stderr)
    wall, peaks, reports = grade_with_convkit(folder, work / "out", jobs=jobs, timeout=timeout)
    missing = set(kind_of) - set(reports)
    if missing:
        raise RuntimeError(f"convkit wrote no report for {sorted(missing)[:5]}")
    # the never-finishing submissions held a worker for their report's seconds: without them, the batch is shorter
    endless_seconds = sum(reports[s]["seconds"] for s in endless)
    convkit = Rate(wall / n, (wall - endless_seconds / jobs) / (n - len(endless)))

    print(f"3/5 the floor: one plain process, then {jobs} at once", file=sys.stderr)
    [floor] = run_floor(folder, work / "floor.json", timeout=timeout)
    seconds = {s: v["seconds"] for s, v in floor["students"].items()}
    shards = run_floor(folder, work / "floor.json", timeout=timeout, shards=jobs)
    floor_parallel = Rate(max(f["seconds"] for f in shards) / n,
                          max(sum(v["seconds"] for s, v in f["students"].items() if s not in endless) for f in shards)
                          / (n - len(endless)))
    floor_rate = Rate(sum(seconds.values()) / n / jobs,
                      sum(v for s, v in seconds.items() if s not in endless) / (n - len(endless)) / jobs)
    agree = sum(reports[s]["score"] == v["score"] and [r["passed"] for r in reports[s]["results"]] == v["passed"]
                for s, v in floor["students"].items())

    sample = submissions.stratified_sample(students, sample_size)
    print(f"4/5 nbgrader autograde of {len(sample)} of the {n} submissions", file=sys.stderr)
    nb = run_nbgrader(work / "nbgrader", sample, timeout=nbgrader_timeout)

    print("5/5 one submission with --jobs 1", file=sys.stderr)
    one = submissions.write_class([reference], work / "one")
    _, one_peaks, _ = grade_with_convkit(one, work / "one-out", jobs=1, timeout=timeout, interval=0.05)

    def by_kind(per: dict[str, float]) -> dict[str, float]:
        groups: dict[str, list[float]] = {}
        for s, value in per.items():
            groups.setdefault(kind_of[s], []).append(value)
        return {kind: statistics.mean(values) for kind, values in groups.items()}

    return Measured(
        stamp=stamp, machine=machine(), loads=(load_before, load()), n=n,
        mix={k: sum(v == k for v in kind_of.values()) for k in ("correct", "buggy", "timeout")}, jobs=jobs,
        timeout=timeout, nbgrader_timeout=nbgrader_timeout, torch_import=torch_import, check=check,
        convkit_wall=wall, convkit=convkit, floor_loop=floor["seconds"], floor=floor_rate,
        floor_parallel=floor_parallel,
        nbgrader=class_rate(nb.per_student, students), nbgrader_graded=len(nb.per_student),
        nbgrader_wall=nb.seconds, nbgrader_failed=nb.failed,
        kinds={"convkit": by_kind({s: r["seconds"] for s, r in reports.items()}), "floor": by_kind(seconds),
               "nbgrader": by_kind(nb.per_student)},
        peaks=peaks, one=one_peaks, agree=agree)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def table(m: Measured) -> str:
    """The benchmark's one table, from the measurements alone."""
    mb, p = memory.mb, m.peaks
    c, f, nb = m.convkit, m.floor, m.nbgrader
    worker = p.worker_footprint if p.worker_footprint is not None else p.worker_rss_sum
    container = m.one.tree_pss if m.one.tree_pss is not None else m.one.tree_rss_sum

    def row(name: str, r: Rate, how: str) -> str:
        return (f"{name:<34}{r.all:>8.3f}{r.finishing:>10.3f}{r.all / c.all:>9.2f}x{r.finishing / c.finishing:>9.2f}x"
                f"  {how}")

    kinds = "; ".join(f"{kind}: " + ", ".join(f"{system} {m.kinds[system].get(kind, float('nan')):.3f}"
                                              for system in ("convkit", "floor", "nbgrader"))
                      for kind in ("correct", "buggy", "timeout"))
    return "\n".join([
        f"convkit throughput benchmark, {m.stamp}; {m.machine}; load average {m.loads[0]} before, {m.loads[1]} after",
        f"class: {m.n} submissions ({m.mix['correct']} correct, {m.mix['buggy']} buggy, {m.mix['timeout']} never "
        f"finish); time limits: convkit and floor {m.timeout:g} s per submission (--timeout {m.timeout:g}), "
        f"nbgrader {m.nbgrader_timeout} s per cell",
        "",
        f"{'seconds per submission':<34}{'all':>8}{'finishing':>10}{'all':>10}{'finishing':>10}  how measured",
        row(f"convkit grade --jobs {m.jobs}", c, f"wall {m.convkit_wall:.1f} s for {m.n}, start-up included"),
        row(f"floor: 1 process / {m.jobs} cores", f, f"grading loop {m.floor_loop:.1f} s / {m.jobs}, imports excluded"),
        row(f"floor: {m.jobs} processes at once", m.floor_parallel,
            f"the longest of {m.jobs} loops on 1/{m.jobs} of the class each (context: what {m.jobs} processes get here)"),
        row("nbgrader autograde", nb, f"{m.nbgrader_graded} of {m.n} in {m.nbgrader_wall:.1f} s, stratified; "
                                      "variant means weighted by the class mix"),
        f"(finishing: without the {m.mix['timeout']} never-finishing submissions; the last two columns are "
        "multiples of convkit's time)",
        f"one submission on one worker, mean s by kind: {kinds}",
        "",
        f"nbgrader / convkit    {nb.all / c.all:6.1f}x all, {nb.finishing / c.finishing:6.1f}x finishing   "
        f"target >= {TARGET_NBGRADER:g}x: {_met(min(nb.all / c.all, nb.finishing / c.finishing) >= TARGET_NBGRADER)}",
        f"convkit / floor       {c.all / f.all:6.2f}  all, {c.finishing / f.finishing:6.2f}  finishing   "
        f"target <= {TARGET_FLOOR:g}: {_met(max(c.all / f.all, c.finishing / f.finishing) <= TARGET_FLOOR)}",
        f"convkit check         {m.check:.2f} s, import torch {m.torch_import:.2f} s, difference "
        f"{m.check - m.torch_import:.2f} s   target <= {TARGET_CHECK:g} s: {_met(m.check - m.torch_import <= TARGET_CHECK)}",
        f"memory per worker     footprint {mb(p.worker_footprint)} MB (zygote RSS {mb(p.zygote_rss)} + private memory of "
        f"its children, child RSS {mb(p.child_rss)}, private {mb(p.child_private)}); PSS {mb(p.worker_pss)}; RSS sum "
        f"{mb(p.worker_rss_sum)}   target footprint <= {TARGET_WORKER_MB} MB: "
        f"{_met(worker <= TARGET_WORKER_MB * memory.MB)}",
        f"judge (convkit)       RSS {mb(p.judge_rss)} MB; whole tree with {len(p.workers_seen)} workers: PSS "
        f"{mb(p.tree_pss)} MB, RSS sum {mb(p.tree_rss_sum)} MB ({p.samples} samples)",
        f"one submission        --jobs 1, whole tree: PSS {mb(m.one.tree_pss)} MB, RSS sum {mb(m.one.tree_rss_sum)} MB "
        f"({m.one.samples} samples)   target PSS <= {CONTAINER_MB} MB: {_met(container <= CONTAINER_MB * memory.MB)}; "
        f"its worker: footprint {mb(m.one.worker_footprint)} MB, child private {mb(m.one.child_private)} MB",
        f"floor and convkit give the same pass/fail on every check for {m.agree}/{m.n} submissions"
        + (f"; nbgrader reported an error for {', '.join(m.nbgrader_failed)} (their time counts)"
           if m.nbgrader_failed else ""),
    ])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=200, help="submissions in the class (default 200)")
    p.add_argument("--nbgrader-sample", type=int, default=20, help="how many of them nbgrader grades (default 20)")
    p.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="convkit workers (default: cores)")
    p.add_argument("--timeout", type=float, default=5.0, help="convkit's and the floor's limit per submission (5 s)")
    p.add_argument("--nbgrader-timeout", type=int, default=30, help="nbgrader's limit per cell (30 s, its default)")
    p.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = p.parse_args(argv)
    options = dict(n=args.n, sample_size=args.nbgrader_sample, jobs=args.jobs, timeout=args.timeout,
                   nbgrader_timeout=args.nbgrader_timeout)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        print(table(measure(**options, work=args.keep)))
        return 0
    with tempfile.TemporaryDirectory(prefix="convkit-bench-") as work:
        print(table(measure(**options, work=Path(work))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
