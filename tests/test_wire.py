"""The wire between the sandbox and the judge: frames, values, and what the judge makes of garbage.

Everything that comes out of a sandbox was produced by a process that ran student code, so each test asks: is a
malformed, oversized or hostile frame or value refused with an error (never a crash, never a pass), and is nothing
ever unpickled or executed on the way?
"""
from __future__ import annotations

import json
import math
import os
import random
import struct

import numpy
import pytest
import torch

from autograder import checks
from autograder.batch import DEFAULT_SEED
from autograder.judge import answer, grade
from autograder.judge.expect import Fail
from autograder.sandbox import wire


def frame(raw: bytes) -> bytes:
    return struct.pack(">I", len(raw)) + raw


# ---------------------------------------------------------------- frames

def test_frames_survive_any_chunking():
    """Do frames split at every possible byte boundary come out whole and in order?"""
    data = wire.pack({"a": 1}) + wire.pack([2, "three"]) + wire.pack({"b": {"c": None}})
    for cut in range(len(data) + 1):
        reader = wire.FrameReader()
        assert reader.feed(data[:cut]) + reader.feed(data[cut:]) == [{"a": 1}, [2, "three"], {"b": {"c": None}}]
        assert reader.pending == 0


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b'{"a": 1} extra',
                                 b"1" * 5000])
def test_a_bad_frame_is_an_error_not_a_crash(raw):
    """Non-JSON, invalid UTF-8, JSON nested past the C stack, trailing garbage, an integer too long to parse."""
    with pytest.raises(wire.FrameError):
        wire.FrameReader().feed(frame(raw))


def test_a_frame_larger_than_the_limit_is_refused_before_it_is_read():
    """A header announcing more than the reader's limit: refused at once, without waiting for the bytes."""
    reader = wire.FrameReader(limit=wire.MAX_REPLY)
    with pytest.raises(wire.FrameTooLarge):
        reader.feed(struct.pack(">I", wire.MAX_REPLY + 1))
    with pytest.raises(wire.FrameTooLarge):
        wire.pack({"x": "y" * 100}, limit=50)


def test_a_stream_that_ends_inside_a_frame_is_an_error():
    r, w = os.pipe()
    os.write(w, wire.pack({"a": 1})[:-2])
    os.close(w)
    with pytest.raises(wire.FrameError):
        wire.read_frame(r)
    os.close(r)


# ---------------------------------------------------------------- values

@pytest.mark.parametrize("dtype", wire.DTYPES)
def test_tensors_round_trip_as_plain_tensors(dtype):
    """Every dtype the wire allows: same values, same shape, a plain torch.Tensor without autograd history."""
    t = (torch.arange(24, dtype=torch.float64) - 7).reshape(2, 3, 4).to(getattr(torch, dtype))
    back = wire.decode(json.loads(json.dumps(wire.encode(t))))
    assert type(back.data) is torch.Tensor and not back.data.requires_grad
    assert back.data.dtype == t.dtype and torch.equal(back.data, t)


def test_non_finite_floats_travel_as_floats():
    for value in (math.inf, -math.inf):
        assert wire.decode(wire.encode(value)) == value
    assert math.isnan(wire.decode(wire.encode(math.nan)))


class Payload:
    """An object whose unpickling would run code; the wire must never call __reduce__ on it."""
    reduced = 0

    def __reduce__(self):
        Payload.reduced += 1
        return (print, ("PAYLOAD",))


class Sneaky(torch.Tensor):
    pass


@pytest.mark.parametrize("value, says", [
    (torch.ones(2, 2).as_subclass(Sneaky), "subclass of torch.Tensor"),
    (numpy.ones((2, 2)), "NumPy array"),
    (numpy.float32(1.5), "NumPy scalar"),
    (torch.ones(2, dtype=torch.complex64), "dtype complex64"),
    (torch.ones(2, 2).to_sparse(), "sparse"),
    (list(range(wire.MAX_ITEMS + 1)), "too many"),
    (Payload(), ""),
    ({"a": 1}, ""),
])
def test_what_the_wire_cannot_carry_becomes_a_name(value, says):
    """Only a type name and a reason cross for anything but plain numbers, strings, sequences and plain tensors;
    the reason reads after "a" in a sentence."""
    before = Payload.reduced
    decoded = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert isinstance(decoded, wire.Unsupported)
    assert says in decoded.reason and not decoded.reason.startswith(("a ", "an "))
    assert Payload.reduced == before


def test_deep_nesting_is_cut_off():
    value: list = []
    for _ in range(50):
        value = [value]
    encoded = json.loads(json.dumps(wire.encode(value)))
    depth, node = 0, encoded
    while node.get("kind") == "list":
        node, depth = node["items"][0], depth + 1
    assert node["kind"] == "unsupported" and depth <= wire.MAX_DEPTH + 1


@pytest.mark.parametrize("obj", [
    None, [], "tensor", {"kind": "tensor"},
    {"kind": "tensor", "dtype": "float32", "shape": [2], "data": "AAAAAA=="},            # 4 bytes for 8
    {"kind": "tensor", "dtype": "float32", "shape": [-1], "data": ""},
    {"kind": "tensor", "dtype": "float32", "shape": [1 << 23, 1 << 23], "data": ""},
    {"kind": "tensor", "dtype": "float32", "shape": [2.5], "data": ""},
    {"kind": "tensor", "dtype": "object", "shape": [1], "data": "AAAAAA=="},
    {"kind": "tensor", "dtype": "float32", "shape": [1], "data": "!!!not base64"},
    {"kind": "tensor", "dtype": "float32", "shape": [1] * 9, "data": "AAAAAA=="},
    {"kind": "int", "value": "1"}, {"kind": "int", "value": True}, {"kind": "bool", "value": 1},
    {"kind": "float", "value": "1.5"}, {"kind": "str", "value": "x" * (wire.MAX_TEXT + 1)},
    {"kind": "list", "items": "abc"}, {"kind": "slice", "items": [{"kind": "str", "value": "a"}] * 3},
    {"kind": "module", "parameters": [{"name": 1}]}, {"kind": "pickle", "data": "gASV"},
])
def test_malformed_values_are_refused(obj):
    with pytest.raises(wire.DecodeError):
        wire.decode(obj)


# ---------------------------------------------------------------- the judge on garbage

WORDS = ["kind", "tensor", "dtype", "shape", "data", "float32", "int64", "items", "list", "tuple", "value", "ok",
         "error", "type", "message", "grads", "jacobians", "instances", "output", "args_after", "module",
         "parameters", "name", "parameter", "Timeout", "Exited", "AAAAAA==", "AACYQQAAyEEAABRCAAAsQg==", "stdout"]


def garbage(rng: random.Random, depth: int = 0):
    """A random JSON value built from the words a real reply uses."""
    pick = rng.random()
    if depth > 5 or pick < 0.3:
        return rng.choice([None, True, False, rng.randint(-3, 5), rng.random() * 100, rng.choice(WORDS),
                           float("nan"), [2, 2], [1 << 40]])
    if pick < 0.5:
        return [garbage(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(WORDS): garbage(rng, depth + 1) for _ in range(rng.randint(0, 6))}


def test_the_judge_never_crashes_and_never_passes_garbage():
    """A thousand random replies built from the protocol's own words: does every check come out failed, with a
    message, and no exception escape the judge?"""
    planned = grade.plan(checks.all_checks(), DEFAULT_SEED)
    ids = [pid for p in planned for pid in p.ids]
    rng = random.Random(20211)
    for _ in range(40):
        replies = {pid: garbage(rng) for pid in ids}
        for reply in replies.values():
            if isinstance(reply, dict) and rng.random() < 0.5:
                reply["ok"] = True
        results = grade.judge(planned, {"imported": {"ok": True}, "answers": replies})
        assert len(results) == len(planned)
        for r in results:
            assert not r.passed and r.message, r.name


@pytest.mark.parametrize("reply", [None, [], "ok", {"ok": "yes"}, {"ok": True, "value": {"kind": "pickle"}},
                                   {"ok": False, "error": "boom"}, {"ok": False, "error": {"type": ["x"]}}])
def test_a_malformed_reply_is_a_fail_with_a_reason(reply):
    with pytest.raises(Fail) as failure:
        answer.decode(reply, subject="`corr2d`", visible=True)
    assert failure.value.message


@pytest.mark.parametrize("reply", [None, [], {"imported": []}, {"imported": {"ok": True}, "answers": [1]},
                                   {"imported": {"ok": "true"}}, {"imported": {"ok": True}}])
def test_a_malformed_sandbox_report_fails_every_check(reply):
    planned = grade.plan(checks.all_checks(), DEFAULT_SEED)
    results = grade.judge(planned, reply)
    assert len(results) == len(planned) and not any(r.passed for r in results)
