"""Hostile and broken submissions (tests/hostile/), graded through the real `convkit grade`, in one batch.

A file whose first line starts with "# on top of the reference" is appended to the reference solution: it redefines
one or two functions, or misbehaves at import. Every other file is a whole submission. Each test asks: does this
submission get the points it earned and no more, with a message that says what went wrong, and does the run leave
nothing behind (no process, no file outside the output folder, no temporary folder, no secret in the output)?
"""
from __future__ import annotations

import ast
import json
import os
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder import checks
from autograder.batch import DEFAULT_SEED
from autograder.judge import grade
from autograder.runner import sandbox
from conftest import ROOT, WatchedRun, read_reports, reference_module_text

HOSTILE = Path(__file__).resolve().parent / "hostile"
PATCH = b"# on top of the reference"
SECRET_NAME = "CONVKIT_TEST_SECRET"
ESCAPE_MARKS = ("convkit-hostile-escape.txt", "loot.txt", "PICKLE_PAYLOAD_RAN")
SCRUBBED = {"HOME", "LANG", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PATH", "PYTHONHASHSEED",
            "TMPDIR"}
NAMES = ("x..", "a b", "ünï cødé 学生", "x;rm -rf ~", "-rf", "grades.csv", "$(touch pwned)", "\u2026")


@dataclass(frozen=True)
class Expect:
    """What a submission should get. Checks that exercise a function in `broken` fail, and at least one of them
    says the phrase given for it; every other check passes or fails as it does for the `like` submission."""
    like: str = "reference"
    broken: dict = field(default_factory=dict)
    everything: str = ""        # every check fails with a message containing this (import or reading failures)


EXPECT = {
    "exit_at_import_os_exit": Expect(everything="ended (exit code 3) before answering"),
    "exit_at_import_sys_exit": Expect(everything="called exit()"),
    "exit_in_function": Expect(broken={"edge_image": "called exit()", "edge_kernel": "ended (exit code 1)"}),
    "endless_loop": Expect(broken={"receptive_field_region": "did not finish within its time limit"}),
    "sleeps": Expect(broken={"edge_kernel": "did not finish within its time limit"}),
    "sigterm_ignored": Expect(broken={"edge_kernel": "did not finish within its time limit"}),
    "memory_blowup": Expect(broken={"edge_image": "ran out of memory", "edge_kernel": "can't allocate memory"}),
    "fork_storm": Expect(broken={"edge_kernel": "did not finish within its time limit"}),
    "outliving_children": Expect(),
    "segfault": Expect(broken={"edge_kernel": "a crash (segmentation fault)"}),
    "recursion": Expect(broken={"edge_image": "recursed without end"}),
    "reads_stdin": Expect(broken={"edge_kernel": "EOFError"}),
    "prints_100mb": Expect(),
    "kills_parent": Expect(broken={"edge_kernel": "SIGKILL", "edge_image": "got None"}),
    "patches_modules": Expect(like="control_corr2d_zeros"),
    "forged_results": Expect(),
    "searches_disk": Expect(like="control_corr2d_zeros", broken={"edge_kernel": "found: []"}),
    "writes_outside": Expect(broken={"edge_kernel": "wrote outside: []"}),
    "env_secret": Expect(broken={"edge_kernel": "environment: [", "receptive_field_region": "got a str"}),
    "network": Expect(broken={"edge_kernel": "network reached: []"}),
    "noisy_correct": Expect(),
    "returns_tensor_subclass": Expect(broken={"corr2d": "got a subclass of torch.Tensor"}),
    "returns_nan_inf": Expect(broken={"edge_image": "NaN or infinite", "convolve2d": "NaN or infinite"}),
    "returns_wrong_dtype": Expect(broken={"edge_kernel": "tensor of dtype complex64"}),
    "returns_wrong_type": Expect(broken={"receptive_field": "got a str", "receptive_field_region": "got a dict",
                                         "edge_kernel": "got a NumPy array"}),
    "returns_wrong_shape": Expect(broken={"corr2d": "has shape (1, 2, 2), expected (2, 2)",
                                          "edge_kernel": "shape"}),
    "returns_pickle_payload": Expect(broken={"corr2d": "got a conv_layer.Payload", "edge_kernel": "got a list"}),
    "syntax_error": Expect(everything="The code does not parse"),
    "broken_notebook": Expect(everything="The notebook is not valid notebook JSON"),
    "empty": Expect(everything="The file is empty."),
    "non_utf8": Expect(everything="The file is not UTF-8 text"),
    "huge": Expect(everything="the limit is 1024 kB"),
    "linked_file": Expect(everything="link to a place outside"),
    "linked_folder": Expect(everything="link to a place outside"),
}
ON_THEIR_OWN = ("mutates_inputs", "forged_reply_frames")     # judged by tests of their own below
CONTROLS = ("control_corr2d_zeros",)                          # honest submissions the hostile ones are held to


def materialise(folder: Path, names: list[str]) -> None:
    """tests/hostile/NAME -> folder/NAME, patches appended to the reference."""
    reference = reference_module_text()
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        data = (HOSTILE / name).read_bytes()
        if data.startswith(PATCH):
            data = (reference + "\n\n" + data.decode("utf-8")).encode("utf-8")
        (folder / name).write_bytes(data)


def uses() -> dict[str, set[str]]:
    """check name -> the functions and classes its probes call in the student's module."""
    planned = grade.plan(checks.all_checks(), DEFAULT_SEED)
    return {p.check.name: {probe.payload.get("fn") or probe.payload.get("cls") for probe in p.trial.probes}
            for p in planned}


class Listener:
    """A TCP port on this machine that counts the connections it accepts."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.socket.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
                self.accepted += 1
                connection.close()
            except OSError:
                continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@dataclass
class Batch:
    root: Path
    out: Path
    tmp: Path
    cwd: Path
    secret: str
    watched: object
    reports: dict
    accepted: int


def run_batch(root: Path, names: list[str], *, env: dict | None = None, extra=None) -> Batch:
    """Grade tests/hostile/NAMES (and the reference) as one class with 2 workers, under the watcher."""
    klass, out, tmp, cwd = root / "class", root / "out", root / "tmp", root / "cwd"
    materialise(klass, names)
    (klass / "reference.py").write_text(reference_module_text(), encoding="utf-8")
    if extra:
        extra(klass)
    cwd.mkdir()
    listener = Listener()
    network = klass / "network.py"
    if network.exists():
        network.write_text(network.read_text(encoding="utf-8").replace("PORT = 0", f"PORT = {listener.port}"),
                           encoding="utf-8")
    secret = "s3cr3t-" + os.urandom(8).hex()
    try:
        watched = WatchedRun(["grade", str(klass), "--out", str(out), "--jobs", "2", "--no-progress"], cwd=cwd,
                             tmp=tmp, env={SECRET_NAME: secret, **(env or {})}).finish()
    finally:
        listener.close()
    assert watched.code == 0, watched.stderr[-3000:]
    return Batch(root, out, tmp, cwd, secret, watched, read_reports(out), listener.accepted)


def _extra_inputs(klass: Path) -> None:
    """The bad inputs made at test time: a huge file, links pointing outside, hostile student names."""
    (klass / "huge.py").write_text("# padding\n" * 200_000, encoding="utf-8")
    outside = klass.parent / "outside"
    outside.mkdir()
    (outside / "conv_layer.py").write_text(reference_module_text(), encoding="utf-8")
    (klass / "linked_file").mkdir()
    (klass / "linked_file" / "conv_layer.py").symlink_to(outside / "conv_layer.py")
    (klass / "linked_folder").mkdir()
    (klass / "linked_folder" / "conv_layer").symlink_to(outside, target_is_directory=True)
    for name in NAMES:
        (klass / name).mkdir()
        (klass / name / "conv_layer.py").write_text(reference_module_text(), encoding="utf-8")


ALL = sorted(p.name for p in HOSTILE.iterdir() if p.is_file())
# what the fallback is also tested on: not the submissions whose point is to reach the host (its files, network,
# other processes of the student's uid), which only bubblewrap keeps in (see the README's security model)
FALLBACK = ["control_corr2d_zeros.py", "endless_loop.py", "env_secret.py", "exit_at_import_os_exit.py",
            "exit_in_function.py", "forged_reply_frames.py", "fork_storm.py", "memory_blowup.py", "noisy_correct.py",
            "outliving_children.py", "patches_modules.py", "prints_100mb.py", "reads_stdin.py", "recursion.py",
            "returns_pickle_payload.py", "returns_tensor_subclass.py", "segfault.py"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the isolation tested here hands student code to an "
                                                          "unprivileged uid, which needs a grader running as root")


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    if sandbox.detect().kind != "bwrap":
        pytest.skip(f"bubblewrap cannot run here: {sandbox.detect().reason}")
    return run_batch(tmp_path_factory.mktemp("hostile"), ALL, extra=_extra_inputs)


@pytest.fixture(scope="module")
def fallback(tmp_path_factory) -> Batch:
    return run_batch(tmp_path_factory.mktemp("fallback"), FALLBACK, env={"CONVKIT_SANDBOX": "process"})


def check_expectation(reports: dict, student: str, expect: Expect, used: dict[str, set[str]]) -> None:
    report, like = reports[student], reports[expect.like]
    results = {r.name: r for r in report.results}
    assert set(results) == {r.name for r in like.results}, "every check is in the report, run or not"
    if expect.everything:
        for r in report.results:
            assert not r.passed and expect.everything in r.message, (r.name, r.message)
        return
    said = {fn: False for fn in expect.broken}
    for base in like.results:
        r = results[base.name]
        hit = used[base.name] & set(expect.broken)
        if hit:
            assert not r.passed, f"{r.name} passed although {sorted(hit)} is broken"
            for fn in hit:
                said[fn] |= expect.broken[fn] in r.message
        else:
            assert r.passed == base.passed, (r.name, r.message)
    assert all(said.values()), {fn: [results[n].message for n in used if fn in used[n]] for fn in said}


@pytest.mark.parametrize("student", sorted(EXPECT))
def test_points_earned_and_no_more(batch, student):
    """Does each bad input get exactly the points it earned, with a message that names what went wrong?"""
    check_expectation(batch.reports, student, EXPECT[student], uses())


def test_every_hostile_file_has_an_expectation():
    """Is every file in tests/hostile/ judged by some test?"""
    stems = {Path(name).stem for name in ALL}
    assert stems <= set(EXPECT) | set(ON_THEIR_OWN) | set(CONTROLS)


def test_the_control_is_an_honest_failure(batch):
    """Does the control (corr2d returns zeros, honestly) lose corr2d's points, and only those?"""
    control, used = batch.reports["control_corr2d_zeros"], uses()
    assert control.score < batch.reports["reference"].score
    assert all(r.passed or "corr2d" in used[r.name] for r in control.results)


def test_the_reference_gets_full_marks_beside_them(batch):
    """With all of that in the same batch and the same workers, does the reference still get every point?"""
    reference = batch.reports["reference"]
    assert reference.score == reference.max_score and not reference.notes


def test_mutated_inputs_fail_only_the_checks_of_that_function(batch):
    """corr2d overwrites X and K in place: do corr2d's checks say so, and nothing outside corr2d suffer?"""
    used, reference = uses(), {r.name: r for r in batch.reports["reference"].results}
    failed = [r for r in batch.reports["mutates_inputs"].results if not r.passed]
    assert any("modified in place" in r.message for r in failed)
    assert all("corr2d" in used[r.name] for r in failed)
    for r in batch.reports["mutates_inputs"].results:
        if "corr2d" not in used[r.name]:
            assert r.passed == reference[r.name].passed


def test_forged_reply_frames_never_gain_a_point(batch):
    """Frames forged into the reply pipe: is every answer that did not match its question discarded as unreadable,
    and no check passed that the honest code would fail?"""
    report, reference = batch.reports["forged_reply_frames"], {r.name: r for r in batch.reports["reference"].results}
    assert report.score < batch.reports["reference"].score
    for r in report.results:
        assert r.passed <= reference[r.name].passed
        assert r.passed or "unreadable" in r.message, r.message


def test_hostile_names_become_safe_folders(batch):
    """Do dots, spaces, unicode, shell syntax, an ellipsis and `grades.csv` as student names each get a folder of
    their own inside --out, and full marks?"""
    folders = sorted(p.name for p in batch.out.iterdir() if p.is_dir())
    graded = [f for f in folders if f not in {Path(n).stem for n in ALL} | {"reference", *EXPECT}]
    assert len(graded) == len(NAMES)
    for name in graded:
        assert name == Path(name).name and not name.startswith(".") and "/" not in name and " " not in name
        assert batch.reports[name].score == batch.reports[name].max_score
    assert (batch.out / "grades.csv").is_file()


def test_no_process_outlives_the_run(batch):
    """After `convkit grade` exits, is there no process left of it — sandboxes, zygotes, fork storms, daemons?"""
    assert batch.watched.left == []


def test_temporary_folders_are_removed(batch):
    """Is the TMPDIR the grader used empty again, and did nothing land in its working directory?"""
    assert list(batch.tmp.iterdir()) == []
    assert list(batch.cwd.iterdir()) == []


def test_nothing_written_outside_the_output_folder(batch):
    """Are the files the submissions tried to plant anywhere (escape markers, loot, forged results) absent from
    every place the grader's user could write?"""
    places = [batch.root, ROOT, Path(tempfile.gettempdir()), Path("/var/tmp"), Path("/dev/shm"), Path.home()]
    for place in places:
        for mark in ESCAPE_MARKS:
            assert not (place / mark).exists(), place / mark
    for path in batch.root.rglob("*"):
        assert path.name not in ESCAPE_MARKS, path
        if path.name in ("results.json", "report.json"):
            assert path.parent.parent == batch.out, path
    for path in ROOT.rglob("*"):
        if ".venv" not in path.parts and ".git" not in path.parts:
            assert path.name not in ESCAPE_MARKS, path


def test_forged_results_change_nothing(batch):
    """Fake results printed or written by a submission: is every results.json in --out the grader's own?"""
    for folder in batch.out.iterdir():
        if folder.is_dir():
            results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            assert results["score"] == batch.reports[folder.name].score
            assert "forged" not in json.dumps(results)


def test_the_secret_appears_nowhere(batch):
    """The grader's environment holds a secret: is it absent from every file of --out and from the CLI's output,
    and did student code see only the scrubbed environment?"""
    assert batch.secret not in batch.watched.stdout + batch.watched.stderr
    for path in batch.out.rglob("*"):
        if path.is_file():
            assert batch.secret.encode() not in path.read_bytes(), path
    [message] = [r.message for r in batch.reports["env_secret"].results
                 if r.visible and "environment: [" in r.message][:1]
    seen = ast.literal_eval(message.split("environment: ")[1].split("; secrets")[0])
    assert set(seen) == SCRUBBED
    assert "secrets: []" in message


def test_the_network_is_unreachable(batch):
    """Did no connection from a sandbox reach a port listening on this machine?"""
    assert batch.accepted == 0


def test_pickle_payload_never_ran(batch):
    """An answer whose unpickling would run code: did it run nowhere (no file in the grader's cwd, no marker)?"""
    assert not (batch.cwd / "PICKLE_PAYLOAD_RAN").exists()
    assert "PICKLE_PAYLOAD_RAN" not in batch.watched.stdout + batch.watched.stderr


def test_the_private_tmp_is_capped(batch):
    """Could writes_outside fill neither its file beyond the file limit nor its scratch beyond the private /tmp?"""
    [message] = [r.message for r in batch.reports["writes_outside"].results if "wrote outside" in r.message][:1]
    assert "big file: EFBIG" in message and "ENOSPC" in message


def test_the_batch_finished_with_every_student(batch):
    """Did the batch go on to the end however each submission misbehaved, with no sandbox failure?"""
    rows = (batch.out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + len(batch.reports)
    assert not [s for s, r in batch.reports.items() if "sandbox failure" in r.notes]


# ---------------------------------------------------------------- the fallback: a plain process with limits

def test_fallback_says_so_once(fallback):
    """CONVKIT_SANDBOX=process: is there exactly one warning, and does it say what is not protected?"""
    warning = sandbox.Isolation("process", "CONVKIT_SANDBOX=process").warning
    assert fallback.watched.stderr.count("bubblewrap is not available") == 1
    assert warning in fallback.watched.stderr
    for unprotected in ("read every file", "network"):
        assert unprotected in warning


@pytest.mark.parametrize("student", sorted(Path(n).stem for n in FALLBACK if Path(n).stem in EXPECT))
def test_fallback_still_fails_closed(fallback, student):
    """Without bubblewrap, does each of these still get exactly the points it earned, with the same message?"""
    check_expectation(fallback.reports, student, EXPECT[student], uses())


def test_fallback_gives_correct_code_full_marks(fallback):
    reference = fallback.reports["reference"]
    assert reference.score == reference.max_score


def test_fallback_leaves_nothing_behind(fallback):
    """Without a PID namespace: is every process of the run still gone, and every temporary folder removed?"""
    assert fallback.watched.left == []
    assert list(fallback.tmp.iterdir()) == []
    assert list(fallback.cwd.iterdir()) == []


def test_fallback_keeps_the_secret(fallback):
    """Without bubblewrap, is the grader's environment still out of reach (scrubbed, and other users' /proc)?"""
    assert fallback.secret not in fallback.watched.stdout + fallback.watched.stderr
    for path in fallback.out.rglob("*"):
        if path.is_file():
            assert fallback.secret.encode() not in path.read_bytes(), path
