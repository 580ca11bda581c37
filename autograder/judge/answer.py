"""The sandbox's raw reply to one probe -> an Answer, or the Fail that explains why there is none.

Everything here is validation: the reply came from a process that ran student code, so each field is checked
for type before use, and anything unexpected fails the check (never passes it).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..sandbox import wire
from .expect import Fail


@dataclass(frozen=True)
class Answer:
    value: object = None
    stdout: str = ""
    args_after: tuple = ()
    grads: tuple = ()            # grad: one per wrt position (None where no gradient reached)
    jacobians: tuple = ()        # jacobian: one (numel(value), numel(arg)) matrix per wrt position
    instances: tuple = ()        # module: each instance as a ModuleValue
    output: object = None        # module: forward's value
    param_grads: dict | None = None


def _decode_list(items) -> tuple:
    if not isinstance(items, list):
        raise wire.DecodeError("malformed list")
    return tuple(None if item is None else wire.decode(item) for item in items)


def decode(reply, *, subject: str, visible: bool) -> Answer:
    """A successful reply -> Answer; an error reply or a malformed one -> Fail."""
    if not isinstance(reply, dict):
        raise Fail(f"No answer came back for {subject}.")
    if reply.get("ok") is not True:
        raise Fail(explain(reply.get("error"), subject=subject, visible=visible), diagnosis_of(reply.get("error")))
    try:
        grads = reply.get("grads")
        return Answer(
            value=wire.decode(reply["value"]) if "value" in reply else None,
            stdout=reply["stdout"] if isinstance(reply.get("stdout"), str) else "",
            args_after=_decode_list(reply.get("args_after", [])),
            grads=_decode_list(grads) if isinstance(grads, list) else (),
            jacobians=_decode_list(reply.get("jacobians", [])),
            instances=_decode_list(reply.get("instances", [])),
            output=wire.decode(reply["output"]) if "output" in reply else None,
            param_grads=({str(k)[:100]: (None if v is None else wire.decode(v)) for k, v in grads.items()}
                         if isinstance(grads, dict) else None),
        )
    except (wire.DecodeError, KeyError, TypeError, ValueError) as error:
        raise Fail(f"What {subject} returned could not be read ({error}).") from None


def diagnosis_of(error) -> str:
    if isinstance(error, dict) and error.get("type") == "NotImplementedError":
        return "not implemented"
    return ""


def explain(error, *, subject: str, visible: bool) -> str:
    """A sandbox error -> one sentence for the student. On hidden checks the student's own exception text is
    left out: it could repeat a hidden input back."""
    if not isinstance(error, dict):
        return f"{subject} failed for a reason the grader could not read."
    kind = str(error.get("type", ""))[:80]
    message = str(error.get("message", ""))[:500]
    where = str(error.get("where", ""))[:120]
    at = f" ({where})" if where else ""
    fixed = {
        "Timeout": f"{subject} did not finish within its time limit (an endless loop, or far too slow?).",
        "SubmissionTimeout": "Not run: the submission used up its total time limit.",
        "ImportTimeout": "Importing your file did not finish within its time limit (top-level code that never ends?).",
        "Garbled": f"The process running {subject} sent back something unreadable.",
        "Unencodable": f"What {subject} returned could not be sent back as plain data.",
        "Missing": f"{message}: define it with exactly that name.",
    }
    if kind in fixed:
        return fixed[kind]
    if kind == "Exited":
        if message.startswith("signal"):
            signal_name = message.split()[-1]
            why = {"SIGSEGV": "a crash (segmentation fault)", "SIGXCPU": "over its CPU-time limit",
                   "SIGKILL": "SIGKILL (over a resource limit, or it killed itself?)",
                   "SIGABRT": "an abort"}.get(signal_name, signal_name)
            return f"The process running {subject} ended with {why}."
        return (f"The process running {subject} ended ({message}) before answering: does your code call "
                f"os._exit() or kill its own process?")
    if kind == "NotImplementedError":
        return f"{subject} is not implemented yet" + (f": {message}" if message and visible else ".")
    if kind == "SystemExit":
        return f"{subject} called exit(){at}; a function must return its result, not end the program."
    if kind == "RecursionError":
        return f"{subject} recursed without end (RecursionError{at})."
    if kind == "MemoryError":
        return f"{subject} ran out of memory{at} (the limit is far above what this exercise needs)."
    if visible and message:
        return f"{subject} raised {kind}{at}: {message}"
    return f"{subject} raised {kind}{at}."
