"""A synthetic class: N student modules made from solutions/conv_layer.py, correct, buggy, or endless.

Each variant is the reference with one realistic mistake, written as exact text replacements of the reference's
solution bodies; a replacement that no longer matches the reference fails loudly (the benchmark must grade the
mistakes it claims to). The mix is fixed by the count N alone, and the order is shuffled with a fixed seed, so
the same N always gives the same class, and timeouts are spread over the run rather than bunched at its end.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.build.source import BEGIN, END, HINT

TIMEOUT_SHARE = 0.02       # "a few" endless submissions: 4 in 200
CORRECT_SHARE = 0.5        # the other half is spread evenly over the buggy variants
SHUFFLE_SEED = 2021


@dataclass(frozen=True)
class Variant:
    name: str
    kind: str                                   # "correct" | "buggy" | "timeout"
    replacements: tuple[tuple[str, str], ...] = ()
    stub: bool = False                          # the untouched exercise: every body raises NotImplementedError


@dataclass(frozen=True)
class Student:
    student: str                                # s000, s001, ...: folder names for convkit and nbgrader alike
    variant: Variant
    source: str                                 # the module conv_layer.py as the student hands it in


CHAPTER_CORR2D = '''    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i: i + h, j: j + w] * K).sum()
    return Y
'''
REFERENCE_CORR2D = '''    dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    X, K = X.to(dtype), K.to(dtype)  # new tensors when the dtype changes: the caller's are never written
    h, w = K.shape
    rows = []
    for i in range(X.shape[0] - h + 1):
        row = [(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)]
        rows.append(torch.stack(row))
    return torch.stack(rows)
'''

VARIANTS = (
    Variant("reference", "correct"),
    Variant("convolution_not_correlation", "buggy", (
        ("row = [(X[i:i + h, j:j + w] * K).sum()", "row = [(X[i:i + h, j:j + w] * torch.flip(K, (0, 1))).sum()"),)),
    Variant("corr2d_off_by_one", "buggy", (
        ("for i in range(X.shape[0] - h + 1):", "for i in range(X.shape[0] - h):"),
        ("for j in range(X.shape[1] - w + 1)]", "for j in range(X.shape[1] - w)]"))),
    Variant("chapter_corr2d_float32", "buggy", ((REFERENCE_CORR2D, CHAPTER_CORR2D),)),
    Variant("conv2d_weight_zeros", "buggy", (
        ("self.weight = nn.Parameter(torch.randn(kernel_size))", "self.weight = nn.Parameter(torch.zeros(kernel_size))"),)),
    Variant("conv2d_no_bias", "buggy", (
        ("return corr2d(x, self.weight) + self.bias", "return corr2d(x, self.weight)"),)),
    Variant("edge_kernel_reversed", "buggy", (("return torch.tensor([[1.0, -1.0]])", "return torch.tensor([[-1.0, 1.0]])"),)),
    Variant("learn_kernel_grads_not_cleared", "buggy", (
        ("        model.weight.grad.zero_()  # backward() accumulates, so start the next step from zero\n"
         "        model.bias.grad.zero_()\n", ""),)),
    Variant("learn_kernel_mean_loss", "buggy", (("        l = ((Y_hat - Y) ** 2).sum()\n", "        l = ((Y_hat - Y) ** 2).mean()\n"),)),
    Variant("learn_kernel_ascent", "buggy", (
        ("model.weight.data -= lr * model.weight.grad", "model.weight.data += lr * model.weight.grad"),
        ("model.bias.data -= lr * model.bias.grad", "model.bias.data += lr * model.bias.grad"))),
    Variant("convolve2d_no_flip", "buggy", (("return corr2d(X, torch.flip(K, (0, 1)))", "return corr2d(X, K)"),)),
    Variant("receptive_field_multiplied", "buggy", (("rh, rw = rh + h - 1, rw + w - 1", "rh, rw = rh * h, rw * w"),)),
    Variant("not_started", "buggy", stub=True),
    Variant("corr2d_loops_forever", "timeout", (
        ("    for i in range(X.shape[0] - h + 1):\n",
         "    i = 0\n    while i < X.shape[0] - h + 1:  # i is never increased\n"),)),
    Variant("learn_kernel_never_stops", "timeout", (
        ("    for i in range(1, steps + 1):\n", "    i = 1\n    while i <= steps:  # i is never increased\n"),)),
)


def _student_text(reference: str) -> str:
    """The reference as a student would hand it in: the nbgrader markers and hints removed, the code kept."""
    return "\n".join(line for line in reference.splitlines()
                     if line.strip() not in (BEGIN, END) and not line.strip().startswith(HINT)) + "\n"


def source_of(variant: Variant, *, reference: Path = paths.REFERENCE_MODULE) -> str:
    if variant.stub:
        return (paths.EXERCISES / reference.name).read_text(encoding="utf-8")
    text = _student_text(reference.read_text(encoding="utf-8"))
    for old, new in variant.replacements:
        if text.count(old) != 1:
            raise ValueError(f"variant {variant.name}: {old.strip()[:60]!r} occurs {text.count(old)} times in "
                             f"{reference.name}; update benchmarks/submissions.py to the reference")
        text = text.replace(old, new)
    return text


def counts(n: int) -> dict[str, int]:
    """How many students hand in each variant, for a class of n."""
    timeouts = [v for v in VARIANTS if v.kind == "timeout"]
    buggy = [v for v in VARIANTS if v.kind == "buggy"]
    result = {v.name: 0 for v in VARIANTS}
    endless = max(1, round(n * TIMEOUT_SHARE)) if n >= 10 else 0
    for k in range(endless):
        result[timeouts[k % len(timeouts)].name] += 1
    wrong = round((n - endless) * (1 - CORRECT_SHARE))
    for k in range(wrong):
        result[buggy[k % len(buggy)].name] += 1
    result["reference"] = n - endless - wrong
    return result


def make_class(n: int) -> list[Student]:
    """n students s000.. with the mix of counts(n), in a fixed shuffled order."""
    by_name = {v.name: v for v in VARIANTS}
    sources = {v.name: source_of(v) for v in VARIANTS}
    names = [name for name, k in counts(n).items() for _ in range(k)]
    random.Random(SHUFFLE_SEED).shuffle(names)
    width = max(3, len(str(n - 1)))
    return [Student(f"s{i:0{width}d}", by_name[name], f"# student s{i:0{width}d}\n" + sources[name])
            for i, name in enumerate(names)]


def write_class(students: list[Student], folder: Path) -> Path:
    """folder/<student>/conv_layer.py for each student (the layout `convkit grade folder` reads)."""
    for s in students:
        (folder / s.student).mkdir(parents=True, exist_ok=True)
        (folder / s.student / "conv_layer.py").write_text(s.source, encoding="utf-8")
    return folder


def stratified_sample(students: list[Student], k: int) -> list[Student]:
    """k students covering every variant present (one each first), then more of the commonest, in class order."""
    by_variant: dict[str, list[Student]] = {}
    for s in students:
        by_variant.setdefault(s.variant.name, []).append(s)
    order = sorted(by_variant, key=lambda name: -len(by_variant[name]))
    chosen: list[Student] = []
    depth = 0
    while len(chosen) < min(k, len(students)):
        for name in order:
            group = by_variant[name]
            # round 0 takes one of each variant; later rounds favour variants in proportion to their size
            if depth < len(group) and (depth == 0 or depth * len(students) < k * len(group)):
                chosen.append(group[depth])
                if len(chosen) == k:
                    break
        depth += 1
        if depth > len(students):
            break
    return sorted(chosen, key=lambda s: s.student)
