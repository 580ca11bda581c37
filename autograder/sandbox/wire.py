"""Plain data across the sandbox boundary.

Frames are a 4-byte big-endian length followed by UTF-8 JSON. Values are tagged dicts; a tensor travels as its
dtype, shape and raw little-endian bytes in base64. Nothing is ever pickled.

This module is copied into the sandbox, so it imports only the standard library at the top; `encode` imports
torch lazily (the child has it), `decode` imports torch and numpy lazily (the judge has them).
"""
from __future__ import annotations

import base64
import json
import math
import os
import struct
from dataclasses import dataclass

MAX_FRAME = 32 * 1024 * 1024      # a frame larger than this is garbage, not an answer
MAX_REPLY = 4 * 1024 * 1024       # one probe's reply: the largest a check receives is a few kB
MAX_ELEMENTS = 1 << 22            # 4M elements: far above any tensor a check asks for
MAX_DEPTH = 8                     # nesting of tuples/lists in one value
MAX_ITEMS = 10_000                # items in one tuple/list
MAX_TEXT = 64 * 1024              # characters of one string

DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool")


class FrameError(Exception):
    """A frame that is too large, truncated or not JSON."""


class FrameTooLarge(FrameError):
    """A frame announced as larger than the reader accepts."""


class DecodeError(Exception):
    """A value that is not of the shape the wire format allows."""


# ---------------------------------------------------------------- frames

def pack(obj, limit: int = MAX_FRAME) -> bytes:
    data = json.dumps(obj, separators=(",", ":")).encode()
    if len(data) > limit:
        raise FrameTooLarge(f"frame of {len(data)} bytes exceeds {limit}")
    return struct.pack(">I", len(data)) + data


def write_frame(fd: int, obj) -> None:
    write_all(fd, pack(obj))


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of an already packed frame (a pipe may take it in several writes)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class FrameReader:
    """Reassembles frames from bytes as they arrive (from a pipe read with select); `limit` bounds one frame."""

    def __init__(self, limit: int = MAX_FRAME) -> None:
        self._buffer = bytearray()
        self.limit = limit

    def feed(self, chunk: bytes) -> list:
        self._buffer += chunk
        frames = []
        while len(self._buffer) >= 4:
            (size,) = struct.unpack(">I", self._buffer[:4])
            if size > self.limit:
                raise FrameTooLarge(f"frame of {size} bytes exceeds {self.limit}")
            if len(self._buffer) < 4 + size:
                break
            raw = bytes(self._buffer[4:4 + size])
            del self._buffer[:4 + size]
            try:
                frames.append(json.loads(raw))
            except (ValueError, RecursionError) as error:   # RecursionError: [[[[...]]]] nested past the C stack
                raise FrameError(f"frame is not JSON: {type(error).__name__}") from None
        return frames

    @property
    def pending(self) -> int:
        return len(self._buffer)


def read_frame(fd: int):
    """Blocking read of one frame; None at end of file."""
    reader = FrameReader()
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            if reader.pending:
                raise FrameError("stream ended inside a frame")
            return None
        frames = reader.feed(chunk)
        if frames:
            if len(frames) > 1 or reader.pending:
                raise FrameError("more than one frame where one was expected")
            return frames[0]


# ---------------------------------------------------------------- values

@dataclass(frozen=True)
class Unsupported:
    """A returned object the wire cannot carry: only its type name crosses."""
    type_name: str
    reason: str = ""           # a noun phrase that reads after "a": "NumPy array, not a tensor"


@dataclass(frozen=True)
class ModuleValue:
    """An nn.Module as plain data: its class name and its parameters (name -> decoded tensor info)."""
    type_name: str
    parameters: tuple          # ((name, is_parameter, tensor), ...)


def encode(value, _depth: int = 0) -> dict:
    """Any Python value -> a tagged dict of plain data (child side)."""
    import torch  # the child always has torch loaded

    if _depth > MAX_DEPTH:
        return _unsupported(type(value).__qualname__, "value nested too deeply to send back")
    kind = type(value)
    if value is None:
        return {"kind": "none"}
    if kind is bool:
        return {"kind": "bool", "value": value}
    if kind is int:
        return {"kind": "int", "value": value} if abs(value) < 2 ** 62 else {"kind": "float", "value": float(value)}
    if kind is float:
        return {"kind": "float", "value": value if math.isfinite(value) else repr(value)}
    if kind is str:
        return {"kind": "str", "value": value[:MAX_TEXT]}
    if kind is slice:
        return {"kind": "slice", "items": [encode(value.start, _depth + 1), encode(value.stop, _depth + 1),
                                            encode(value.step, _depth + 1)]}
    if kind in (tuple, list):
        if len(value) > MAX_ITEMS:
            return _unsupported(kind.__name__, f"{kind.__name__} of {len(value)} items (too many to send back)")
        return {"kind": kind.__name__, "items": [encode(item, _depth + 1) for item in value]}
    if kind is torch.Tensor or kind is torch.nn.Parameter:
        return _encode_tensor(value, parameter=kind is torch.nn.Parameter)
    if isinstance(value, torch.Tensor):
        return _unsupported(f"{kind.__module__}.{kind.__qualname__}",
                            f"subclass of torch.Tensor ({kind.__qualname__}), not a plain tensor")
    if isinstance(value, torch.nn.Module):
        params = []
        for name, p in list(value.named_parameters())[:64]:
            params.append({"name": str(name), "parameter": type(p) is torch.nn.Parameter,
                           "value": encode(p, _depth + 1)})
        # tensors assigned as plain attributes (not registered): reported so the judge can say so
        for name in ("weight", "bias"):
            attr = value.__dict__.get(name)
            if type(attr) is torch.Tensor:
                params.append({"name": name, "parameter": False, "value": _encode_tensor(attr, parameter=False)})
        return {"kind": "module", "type": f"{kind.__qualname__}", "parameters": params}
    try:
        import numpy
        if kind is numpy.ndarray:
            return _unsupported("numpy.ndarray", "NumPy array, not a tensor")
        if isinstance(value, numpy.generic):
            return _unsupported(f"numpy.{kind.__name__}", "NumPy scalar, not a Python number")
    except ImportError:
        pass
    where = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
    return _unsupported(f"{where}{kind.__qualname__}", "")


def _unsupported(type_name: str, reason: str) -> dict:
    """Only the name of what came back, and why it cannot travel (a noun phrase that reads after "a")."""
    return {"kind": "unsupported", "type": type_name, "reason": reason}


def _encode_tensor(t, *, parameter: bool) -> dict:
    import torch

    t = torch.Tensor.detach(t)
    if t.layout != torch.strided or t.is_quantized or t.device.type != "cpu":
        return _unsupported("torch.Tensor", f"{t.layout} tensor on {t.device}")
    dtype = str(t.dtype).removeprefix("torch.")
    if dtype not in DTYPES:
        return _unsupported("torch.Tensor", f"tensor of dtype {dtype}")
    if t.numel() > MAX_ELEMENTS:
        return _unsupported("torch.Tensor", f"tensor of {t.numel()} elements (too many to send back)")
    raw = t.contiguous().view(torch.uint8).numpy().tobytes() if t.numel() else b""
    return {"kind": "tensor", "dtype": dtype, "shape": list(t.shape), "data": base64.b64encode(raw).decode(),
            "requires_grad": bool(t.requires_grad) if not parameter else True, "parameter": parameter}


def decode(obj, _depth: int = 0):
    """A tagged dict -> a plain Python value (judge side), validated; raises DecodeError."""
    if _depth > MAX_DEPTH + 1 or not isinstance(obj, dict):
        raise DecodeError("malformed value")
    kind = obj.get("kind")
    if kind == "none":
        return None
    if kind in ("bool", "int", "str"):
        value = obj.get("value")
        expected = {"bool": bool, "int": int, "str": str}[kind]
        if type(value) is not expected or (kind == "str" and len(value) > MAX_TEXT):
            raise DecodeError(f"malformed {kind}")
        return value
    if kind == "float":
        value = obj.get("value")
        if value in ("nan", "inf", "-inf"):
            return float(value)
        if type(value) not in (int, float):
            raise DecodeError("malformed float")
        return float(value)
    if kind in ("tuple", "list", "slice"):
        items = obj.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise DecodeError(f"malformed {kind}")
        values = [decode(item, _depth + 1) for item in items]
        if kind == "slice":
            if len(values) != 3 or not all(v is None or type(v) is int for v in values):
                raise DecodeError("malformed slice")
            return slice(*values)
        return tuple(values) if kind == "tuple" else values
    if kind == "tensor":
        return _decode_tensor(obj)
    if kind == "module":
        params = obj.get("parameters")
        if not isinstance(params, list) or len(params) > 66:
            raise DecodeError("malformed module")
        decoded = []
        for p in params:
            if not isinstance(p, dict) or type(p.get("name")) is not str or type(p.get("parameter")) is not bool:
                raise DecodeError("malformed module parameter")
            decoded.append((p["name"][:200], p["parameter"], decode(p.get("value"), _depth + 1)))
        return ModuleValue(type_name=str(obj.get("type", "?"))[:200], parameters=tuple(decoded))
    if kind == "unsupported":
        return Unsupported(type_name=str(obj.get("type", "?"))[:200], reason=str(obj.get("reason", ""))[:200])
    raise DecodeError(f"unknown kind {str(kind)[:40]!r}")


def _decode_tensor(obj: dict):
    import numpy
    import torch

    dtype, shape, data = obj.get("dtype"), obj.get("shape"), obj.get("data")
    if dtype not in DTYPES or not isinstance(shape, list) or len(shape) > 8 or not isinstance(data, str):
        raise DecodeError("malformed tensor")
    if not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape):
        raise DecodeError("malformed tensor shape")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise DecodeError("tensor too large")
    torch_dtype = getattr(torch, dtype)
    itemsize = torch.empty((), dtype=torch_dtype).element_size()
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise DecodeError("tensor bytes are not base64") from None
    if len(raw) != count * itemsize:
        raise DecodeError("tensor bytes do not match its shape")
    flat = torch.frombuffer(bytearray(raw), dtype=torch.uint8) if raw else torch.empty(0, dtype=torch.uint8)
    tensor = flat.view(torch_dtype).reshape(shape).clone() if count else torch.empty(shape, dtype=torch_dtype)
    tensor.requires_grad_(False)
    # requires_grad travels as a flag: the judge must never build autograd graphs from student data
    return Tensor(tensor, requires_grad=bool(obj.get("requires_grad")), parameter=bool(obj.get("parameter")))


@dataclass(frozen=True)
class Tensor:
    """A decoded tensor and the autograd flags it carried in the sandbox."""
    data: object               # a plain torch.Tensor built by the judge
    requires_grad: bool = False
    parameter: bool = False


def encode_input(value) -> dict:
    """Judge side: a check's input (tensor, number, tuple, ...) -> wire form (same tags as `encode`)."""
    return encode(value)


def decode_input(obj):
    """Child side: the wire form of an input -> a plain value with plain tensors."""
    value = decode(obj)
    return _unwrap(value)


def _unwrap(value):
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value
