"""Results as frozen dataclasses. Scores are derived, never stored twice; every output format reads a Report."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: all of its points when it passed, none otherwise."""
    name: str              # "corr2d: matches the chapter's example"
    part: str              # "corr2d"
    max_score: float
    visible: bool          # visible checks are the chapter's examples; hidden ones use seeded inputs
    passed: bool
    message: str           # for the student: what was expected, what came back (never a hidden input)
    diagnosis: str = ""    # the named mistake, when one is recognised
    observed: dict = field(default_factory=dict)  # visible checks: small plain data for pictures (judge/observe.py)

    @property
    def score(self) -> float:
        return self.max_score if self.passed else 0.0

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"


@dataclass(frozen=True)
class Report:
    """Everything the grader established about one submission."""
    student: str
    submission: str                         # the file graded, as given (for the instructor)
    results: tuple[CheckResult, ...]
    notes: tuple[str, ...] = ()             # about the submission as a whole (import failure, sandbox mode)
    seconds: float = 0.0                    # wall time; the only field that differs between identical runs
    fingerprint: str = ""                   # hash of source, checks and seed: a resumed batch skips a match
    stdout: str = field(default="", compare=False)  # head of what the submission printed, for the instructor

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    def parts(self) -> dict[str, tuple[float, float]]:
        """part -> (score, max_score), in the order the parts first appear."""
        totals: dict[str, tuple[float, float]] = {}
        for r in self.results:
            score, top = totals.get(r.part, (0.0, 0.0))
            totals[r.part] = (score + r.score, top + r.max_score)
        return totals

    def to_dict(self) -> dict:
        data = asdict(self)
        data["score"], data["max_score"] = self.score, self.max_score
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        results = tuple(CheckResult(**{k: v for k, v in r.items() if k in CheckResult.__dataclass_fields__})
                        for r in data["results"])
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "results"}
        fields["notes"] = tuple(fields.get("notes", ()))
        return cls(results=results, **fields)
