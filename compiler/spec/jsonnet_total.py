"""The Jsonnet spec files of one compile share one allowance of evaluation time (`OBSC_JSONNET_TOTAL`), in CPU
seconds: wall time gave a loaded CI machine less, and a team's allowance then hung on the machine's load.

Each evaluation stops at its own limit (`OBSC_JSONNET_TIMEOUT`, 10 s), but spec files are evaluated one after
another before anything is counted, so a team could add N files that each run just under that limit: 8 such files
kept `obsc validate` busy for 90 s (round 46), in every team's CI, and nothing stopped at a total. The allowance is
per compile, not per team: a Jsonnet spec's team is known only once it has been evaluated, and every team waits
on the same compile. An evaluation is given what is left of the allowance when that is less than its own limit;
once the allowance is spent, the remaining Jsonnet specs are not evaluated (the compile fails at the file that spent
the most, naming where it ran out and the slowest files). Platform files and standard dashboards (the platform's
own) do not count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from compiler.errors import Diagnostic, InputError, Location
from compiler.spec.jsonnet_sandbox import TIMEOUT_RANGE, Limits, TimedOut, env_number

# Evaluates one file within the CPU seconds given, telling the callback the CPU seconds it took.
Evaluation = Callable[[float, Callable[[float], None]], str]

TOTAL_VARIABLE = "OBSC_JSONNET_TOTAL"
EVALUATIONS_PER_TOTAL = 6  # the default allowance: six evaluations at their own limit (60 s at 10 s)
_NAMED_FILES = 3  # the slowest spec files named in the message


@dataclass
class SpecTime:
    """Seconds spent evaluating Jsonnet specs so far in this compile, and the allowance."""

    total: float
    per_evaluation: float
    spent: dict[str, float] = field(default_factory=dict)
    ran_out_at: str = ""
    not_evaluated: list[str] = field(default_factory=list)

    @staticmethod
    def from_environment() -> SpecTime:
        per_evaluation = Limits.from_environment().seconds
        default = per_evaluation * EVALUATIONS_PER_TOTAL
        return SpecTime(env_number(TOTAL_VARIABLE, default, *TIMEOUT_RANGE, "seconds"), per_evaluation)

    def left(self) -> float:
        return max(0.0, self.total - sum(self.spent.values()))

    def allowance(self) -> float:
        """The next evaluation's limit: its own, or what is left of the total when that is less."""
        return min(self.per_evaluation, self.left())

    def spend(self, path: str, seconds: float) -> None:
        self.spent[path] = self.spent.get(path, 0.0) + seconds

    def evaluate(self, path: str, run: Evaluation) -> str:
        """`run`'s output within what is left of the allowance. Once it is spent, nothing more is evaluated: an
        InputError without a message (`problem` says it once, at the file where the allowance ran out)."""
        allowance = self.allowance()
        if self.ran_out_at or allowance <= 0:
            if self.ran_out_at:
                self.not_evaluated.append(path)
            else:
                self.ran_out_at = path
            raise InputError([])
        try:
            return run(allowance, lambda seconds: self.spend(path, seconds))
        except TimedOut:
            if allowance >= self.per_evaluation:
                raise  # its own limit, said by its own message
            self.ran_out_at = path
            raise InputError([]) from None

    def problem(self) -> Diagnostic | None:
        """One located problem when the allowance ran out, at the file that spent the most of it: the file where it
        ran out may be another team's, whose CI was then told its spec was at fault (round 46's open item)."""
        if not self.ran_out_at:
            return None
        slowest = sorted(self.spent.items(), key=lambda item: (-item[1], item[0]))[:_NAMED_FILES]
        named = ", ".join(f"{path} ({seconds:.1f} s)" for path, seconds in slowest)
        after = len(self.not_evaluated)
        skipped = f"; {after} Jsonnet spec file(s) after it were not evaluated" if after else ""
        spender = slowest[0][0] if slowest and slowest[0][1] > 0 else self.ran_out_at
        stopped = "this one" if spender == self.ran_out_at else self.ran_out_at
        most = "" if spender == self.ran_out_at else f"; this one spent the most ({slowest[0][1]:.1f} s)"
        message = (
            f"Jsonnet spec files took more than {self.total:g} s of CPU time to evaluate in all (this compile's "
            f"allowance: {TOTAL_VARIABLE}, by default {EVALUATIONS_PER_TOTAL} x OBSC_JSONNET_TIMEOUT){most}; stopped "
            f"at {stopped}{skipped}. "
            f"Slowest: {named}. Every team's CI evaluates every spec: make them cheaper, or raise {TOTAL_VARIABLE}"
        )
        return Diagnostic(Location(spender, 1, 1), (), message)
