"""Predicting how long a command will take, before it runs, from the cost model: the passes and FLOPs a
method must do (methods.predict) times the time of one forward pass of the same model, timed once.

One pass is a small, bounded piece of work (a gradient by finite differences is N+1 of them), so a
command can refuse, or ask for --yes, without first running what it is asked to run. The estimate
is within a factor of about 2 for the loop methods and errs high for the batched ones.
"""

from __future__ import annotations

from ..errors import GradbenchError
from ..methods import predict
from ..methods.costs import forward_pass
from ..model.mlp import MLP
from ..model.passes import forward
from ..model.spec import Spec
from .timing import MIN_ROUNDS, once, plan


def pass_seconds(spec: Spec) -> float:
    """The least of three timed forward passes of the spec's model (after one to warm up)."""
    model = MLP.build(spec)

    def one() -> None:
        forward(model, model.W, model.b, None)  # plain, as every method's passes run (plans.py)

    once(one)
    return min(once(one) for _ in range(3))


def gradient_seconds(method: str, spec: Spec, t_pass: float) -> float:
    """One gradient by `method`: its passes, or its FLOPs in units of a forward pass's, whichever is more."""
    c, one = predict(method, spec), forward_pass(spec)
    return t_pass * max(c.forward_passes + c.backward_passes, c.flops / one.flops)


def measure_seconds(t: float, budget_s: float, sampleable: bool) -> float:
    """What timing.measure (by way of run.time_method) spends on a method whose gradient takes t seconds:
    the warm-up and the traced peak (a call each), then rounds of loops of at least MIN_ROUND_S, 6 to 15
    of them, within the budget; a sampleable method that would not fit MIN_ROUNDS rounds is sampled, and
    spends its budget."""
    if sampleable and t * MIN_ROUNDS > budget_s:
        return budget_s
    loops, rounds = plan(t, budget_s)
    return 2 * t + rounds * loops * t


def duration(seconds: float) -> str:
    """A predicted duration, in the unit a person would say it in."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:.1f} s"


def refuse_past(predicted: float, limit: float, what: str, override: str) -> None:
    """Refuse a run predicted to take longer than `limit` seconds, saying how to run it anyway."""
    if predicted > limit:
        raise GradbenchError(
            f"{what} is predicted to take about {duration(predicted)} (more than {duration(limit)}): {override}"
        )
