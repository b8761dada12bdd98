"""`gradbench train`: the epochs' table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .format import seconds

if TYPE_CHECKING:
    from ..studies.train import TrainResult


def train_table(result: TrainResult) -> Table:
    """Final losses and accuracies, wall time, and the gradients' counts over the whole run."""
    t = Table(show_header=False)
    t.add_column("", style="bold")
    t.add_column("", justify="right")
    last = result.history[-1] if result.history else None  # None: stopped before the first epoch ended

    def final(field: str, form: str) -> str:
        """The last epoch's `field` in `form` ('pct': a percentage), or '-' where there is none."""
        value = None if last is None else getattr(last, field)
        return "-" if value is None else f"{100 * value:.1f}%" if form == "pct" else format(value, form)

    for name, value in [
        ("epochs run", f"{len(result.history):,}"),
        ("optimizer steps", f"{result.steps:,}"),
        ("train loss", final("train_loss", ".4g")),
        ("test loss", final("test_loss", ".4g")),
        ("train accuracy", final("train_accuracy", "pct")),
        ("test accuracy", final("test_accuracy", "pct")),
        ("wall time", seconds(result.wall_s)),
        ("time in gradients", seconds(result.gradient_s)),
        ("forward passes", f"{result.counts.forward_passes:,}"),
        ("backward passes", f"{result.counts.backward_passes:,}"),
        ("matmuls", f"{result.counts.matmuls:,}"),
        ("adds", f"{result.counts.adds:,}"),
        ("multiplies", f"{result.counts.multiplies:,}"),
        ("FLOPs", f"{result.counts.flops:,}"),
    ]:
        t.add_row(name, value)
    return t


def show_train(out: Console, result: TrainResult, dataset: str) -> None:
    """A one-line heading, then the final losses, accuracies and the gradients' counts."""
    hp = result.config.hyper
    out.print(f"{dataset}: {result.config.method} gradients, {result.config.optimizer} (lr {hp.lr:g}), batch "
              f"{result.config.batch}, N = {result.spec.n_params:,}", highlight=False)  # fmt: skip
    out.print(train_table(result))
