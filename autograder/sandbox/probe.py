"""The child: imports one student module and answers probes about it, one frame at a time.

Runs inside the sandbox, as an unprivileged user, in a process of its own. Everything it sends back is plain data
(see wire.py); the judge trusts none of it and checks every answer against its own oracle.

A probe is {"id", "op", ...}:
  call      {"fn", "args", "kwargs", "seed"}                 -> value, stdout, args after the call
  grad      {"fn", "args", "upstream", "wrt", "seed"}        -> value, d(sum(value * upstream))/d(args[wrt])
  jacobian  {"fn", "args", "wrt", "seed"}                    -> value, one (numel(value), numel(arg)) matrix per arg
  module    {"cls", "init_args", "params", "input", "upstream", "instances", "seed"}
                                                              -> parameters of each instance, output, grads
  graph     {"fn", "args", "wrt", "seed"}                    -> value = (fn's value, autograd node names, complete)
Any probe may carry "substitute": ["corr2d", "Conv2D"]: for that probe only, those names in the student module
are the reference versions of prerequisites.py (so a part is graded on its own, not on the parts it calls).
"""
from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import io
import random
import sys
import traceback

from . import wire

MODULE_NAME = "conv_layer"
STDOUT_CAP = 64 * 1024


class _CappedText(io.TextIOBase):
    """A text sink that keeps the first STDOUT_CAP characters and counts the rest."""

    def __init__(self) -> None:
        self.parts, self.kept, self.dropped = [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = STDOUT_CAP - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts)


def _seed(seed: int) -> None:
    """Every probe starts from the same state, whatever the probes before it did: seeded generators, one thread."""
    import numpy
    import torch

    torch.random.default_generator.manual_seed(seed)   # CPU only: torch.manual_seed also walks every device
    random.seed(seed)
    numpy.random.seed(seed % 2 ** 32)
    torch.set_num_threads(1)


def _error(exc: BaseException, filename: str) -> dict:
    """The student's exception, with only the frames of the student's own file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    where = f"line {frames[-1].lineno}, in {frames[-1].name}" if frames else ""
    message = str(exc)[:2000] if not isinstance(exc, RecursionError) else "maximum recursion depth exceeded"
    return {"type": type(exc).__name__, "message": message, "where": where}


def _function(module, name: str):
    fn = getattr(module, name, None)
    if fn is None:
        raise LookupError(f"{MODULE_NAME} has no `{name}`")
    return fn


def _call(module, probe: dict):
    fn = _function(module, probe["fn"])
    args = [wire.decode_input(a) for a in probe.get("args", [])]
    kwargs = {k: wire.decode_input(v) for k, v in probe.get("kwargs", {}).items()}
    value = fn(*args, **kwargs)
    return {"value": wire.encode(value), "args_after": [wire.encode(a) for a in args]}


def _call_tracking(module, probe: dict):
    """fn(*args) with the args at positions `wrt` made leaves that require grad: (value, those leaves)."""
    fn = _function(module, probe["fn"])
    args = [wire.decode_input(a) for a in probe["args"]]
    for i in probe["wrt"]:
        args[i] = args[i].detach().requires_grad_(True)
    return fn(*args), [args[i] for i in probe["wrt"]]


def _grad(module, probe: dict):
    import torch

    value, leaves = _call_tracking(module, probe)
    grads = [None] * len(leaves)
    if isinstance(value, torch.Tensor) and value.requires_grad:
        upstream = wire.decode_input(probe["upstream"])
        if value.shape == upstream.shape:
            grads = torch.autograd.grad((value * upstream.to(value.dtype)).sum(), leaves, allow_unused=True)
    return {"value": wire.encode(value), "grads": [None if g is None else wire.encode(g) for g in grads]}


def _jacobian(module, probe: dict):
    """One (numel(value), numel(arg)) matrix per leaf; None for a leaf no gradient reaches at all."""
    import torch

    value, leaves = _call_tracking(module, probe)
    if not isinstance(value, torch.Tensor) or not value.requires_grad or value.numel() > 4096:
        return {"value": wire.encode(value), "jacobians": [None for _ in leaves]}
    flat = value.reshape(-1)
    rows = [[] for _ in leaves]
    reached = [False] * len(leaves)
    for k in range(flat.numel()):
        grads = torch.autograd.grad(flat[k], leaves, retain_graph=True, allow_unused=True)
        for r, (leaf, g) in enumerate(zip(leaves, grads)):
            reached[r] = reached[r] or g is not None
            rows[r].append(torch.zeros(leaf.numel(), dtype=leaf.dtype) if g is None else g.reshape(-1))
    return {"value": wire.encode(value),
            "jacobians": [wire.encode(torch.stack(r)) if ok else None for r, ok in zip(rows, reached)]}


def _module(module, probe: dict):
    import torch

    cls = _function(module, probe["cls"])
    init_args = [wire.decode_input(a) for a in probe.get("init_args", [])]
    instances = [cls(*init_args) for _ in range(probe.get("instances", 1))]
    reply = {"instances": [wire.encode(m) for m in instances]}
    m = instances[0]
    params = probe.get("params")
    if params:
        with torch.no_grad():
            for name, enc in params.items():
                getattr(m, name).copy_(wire.decode_input(enc))
    if probe.get("input") is not None:
        x = wire.decode_input(probe["input"])
        out = m(x)
        reply["output"] = wire.encode(out)
        if probe.get("upstream") is not None and isinstance(out, torch.Tensor) and out.requires_grad:
            upstream = wire.decode_input(probe["upstream"])
            named = dict(m.named_parameters())
            if out.shape == upstream.shape and named:
                grads = torch.autograd.grad((out * upstream).sum(), list(named.values()), allow_unused=True)
                reply["grads"] = {n: (None if g is None else wire.encode(g)) for n, g in zip(named, grads)}
    return reply


GRAPH_NODES = 10_000   # wire.MAX_ITEMS: a longer list of names could not travel


def _graph(module, probe: dict):
    """Call fn with the args at `wrt` requiring grad; report the class name of every node of the value's autograd
    graph (each node once; nodes of Python-defined autograd Functions prefixed "python:") and whether all fit."""
    import torch

    value, _ = _call_tracking(module, probe)
    names, seen = [], set()
    frontier = [value.grad_fn] if isinstance(value, torch.Tensor) and value.grad_fn is not None else []
    while frontier and len(names) < GRAPH_NODES:
        node = frontier.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        kind = type(node)
        names.append(kind.__name__ if kind.__module__ == "builtins" else f"python:{kind.__name__}")
        frontier.extend(next_node for next_node, _ in node.next_functions)
    return {"value": wire.encode((value, names, not any(n is not None and n not in seen for n in frontier)))}


OPS = {"call": _call, "grad": _grad, "jacobian": _jacobian, "module": _module, "graph": _graph}


@contextlib.contextmanager
def _substituted(module, names):
    """The student module with `names` replaced by the reference prerequisites, restored on the way out."""
    from . import prerequisites

    names = [n for n in names or () if n in prerequisites.NAMES]
    saved = {n: module.__dict__[n] for n in names if n in module.__dict__}
    try:
        for n in names:
            setattr(module, n, prerequisites.NAMES[n])
        yield
    finally:
        for n in names:
            if n in saved:
                setattr(module, n, saved[n])
            else:
                module.__dict__.pop(n, None)


def answer(module, probe: dict, filename: str) -> dict:
    """Run one probe; the reply says what the student's code returned, printed or raised."""
    import torch

    sink = _CappedText()
    _seed(int(probe.get("seed", 0)))
    try:
        with contextlib.redirect_stdout(sink), torch.enable_grad(), _substituted(module, probe.get("substitute")):
            reply = OPS[probe["op"]](module, probe)
        reply["ok"] = True
    except LookupError as exc:
        reply = {"ok": False, "error": {"type": "Missing", "message": str(exc), "where": ""}}
    except BaseException as exc:          # SystemExit and KeyboardInterrupt too: they are the student's
        reply = {"ok": False, "error": _error(exc, filename)}
    reply["id"] = probe["id"]
    reply["stdout"] = sink.getvalue()
    reply["stdout_dropped"] = sink.dropped
    return reply


def load(source: str, filename: str):
    """Import the student's source as the module `conv_layer`, from `filename` relative to the scratch directory
    (the folders above it may be closed to the student's uid, so the path stays relative, unlike a file loader's)."""
    with open(filename, "w", encoding="utf-8") as f:
        f.write(source)
    module = importlib.util.module_from_spec(importlib.machinery.ModuleSpec(MODULE_NAME, None, origin=filename))
    module.__file__ = filename
    sys.modules[MODULE_NAME] = module
    exec(compile(source, filename, "exec", dont_inherit=True), module.__dict__)
    return module


def serve(requests: int, replies: int, source: str, filename: str) -> None:
    """Import, say how it went, then answer probes until the requests pipe closes."""
    _seed(0)
    try:
        module = load(source, filename)
        wire.write_frame(replies, {"op": "imported", "ok": True})
    except BaseException as exc:
        wire.write_frame(replies, {"op": "imported", "ok": False, "error": _error(exc, filename)})
        return
    while True:
        probe = wire.read_frame(requests)
        if probe is None:
            return
        try:
            frame = wire.pack(answer(module, probe, filename), limit=wire.MAX_REPLY)
        except BaseException as exc:      # an answer that cannot be encoded is the student's loss, not a crash
            frame = wire.pack({"id": probe.get("id"), "ok": False,
                               "error": {"type": "Unencodable", "message": str(exc)[:500], "where": ""}})
        wire.write_all(replies, frame)
