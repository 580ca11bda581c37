"""A check: a name, its points (declared once, here), whether students see it, and a trial.

A trial is the probes to send into the sandbox and a `verify` function that receives the decoded answers, in
the same order, and raises `Fail` when they are wrong. Inputs are built from a torch.Generator seeded by the
grading seed and the check's name, so the same seed always asks the same questions.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

import torch

from ..sandbox import wire


@dataclass(frozen=True)
class Probe:
    """One question for the sandbox (see sandbox/probe.py for the ops)."""
    op: str
    payload: dict = field(default_factory=dict)

    def to_wire(self, probe_id: str, seed: int, substitute: tuple[str, ...] = ()) -> dict:
        """substitute: names the sandbox swaps for its reference versions during this probe (probe.py)."""
        return {"id": probe_id, "op": self.op, "seed": seed, **self.payload,
                **({"substitute": list(substitute)} if substitute else {})}


def _enc(values) -> list:
    return [wire.encode_input(v) for v in values]


def call(fn: str, *args, **kwargs) -> Probe:
    """Call fn(*args, **kwargs); the answer carries the value, what it printed and the args after the call."""
    return Probe("call", {"fn": fn, "args": _enc(args), "kwargs": {k: wire.encode_input(v) for k, v in kwargs.items()}})


def grad(fn: str, *args, upstream: torch.Tensor, wrt: tuple[int, ...]) -> Probe:
    """Call fn and backpropagate sum(value * upstream) to the args at positions `wrt`."""
    return Probe("grad", {"fn": fn, "args": _enc(args), "upstream": wire.encode_input(upstream), "wrt": list(wrt)})


def jacobian(fn: str, *args, wrt: tuple[int, ...]) -> Probe:
    """Call fn and compute the full Jacobian of its value with respect to the args at `wrt`, by autograd."""
    return Probe("jacobian", {"fn": fn, "args": _enc(args), "wrt": list(wrt)})


def module(cls: str, *init_args, params: dict | None = None, input: torch.Tensor | None = None,
           upstream: torch.Tensor | None = None, instances: int = 1) -> Probe:
    """Build cls(*init_args) (`instances` times), optionally set parameters, run forward and backward."""
    return Probe("module", {"cls": cls, "init_args": _enc(init_args), "instances": instances,
                            "params": {k: wire.encode_input(v) for k, v in (params or {}).items()} or None,
                            "input": None if input is None else wire.encode_input(input),
                            "upstream": None if upstream is None else wire.encode_input(upstream)})


def graph(fn: str, *args, wrt: tuple[int, ...]) -> Probe:
    """Call fn with the args at `wrt` requiring grad; the answer's value is (fn's value, the class names of its
    autograd graph's nodes, whether the list is complete)."""
    return Probe("graph", {"fn": fn, "args": _enc(args), "wrt": list(wrt)})


@dataclass(frozen=True)
class Trial:
    probes: tuple[Probe, ...]
    verify: Callable[..., None]     # verify(*answers) -> None, or raise Fail
    observe: Callable[..., dict] | None = None  # observe(*answers) -> small plain data for pictures (judge/observe.py)


@dataclass(frozen=True)
class Check:
    part: str
    title: str
    points: float
    visible: bool
    build: Callable[[torch.Generator], Trial]
    uses: tuple[str, ...] = ()      # the prerequisites (other parts' names) its probes may run on the reference of

    @property
    def name(self) -> str:
        return f"{self.part}: {self.title}"

    def generator(self, seed: int) -> torch.Generator:
        digest = hashlib.sha256(f"{seed}/{self.name}".encode()).digest()
        return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") >> 1)

    def trial(self, seed: int) -> Trial:
        return self.build(self.generator(seed))


class Part:
    """The checks of one part of the exercise, declared with @part.check(title, points=..., visible=...).

    uses: the parts this one calls (e.g. Conv2D uses corr2d). Unless substitution is turned off, the sandbox runs
    this part's probes with the reference versions of those, so a bug in corr2d is charged to corr2d only.
    """

    def __init__(self, name: str, *, uses: tuple[str, ...] = ()) -> None:
        self.name, self.uses = name, uses
        self.checks: list[Check] = []

    def check(self, title: str, *, points: float, visible: bool):
        def register(build: Callable[[torch.Generator], Trial]) -> Callable[[torch.Generator], Trial]:
            self.checks.append(Check(self.name, title, points, visible, build, self.uses))
            return build
        return register
