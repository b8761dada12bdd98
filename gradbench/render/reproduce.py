"""`gradbench reproduce`: the seeds' accounting beside the counts and times that ran."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from .format import label, ratio, seconds


def per_method(block: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The per-method entries of a reproduce block (the others are its scalars)."""
    return {k: v for k, v in block.items() if isinstance(v, dict)}


def reproduce_report(console: Console, doc: dict[str, Any]) -> None:
    """The three blocks of `gradbench reproduce`, then seed 004's count."""
    s = doc["seed_accounting"]
    epochs = s["numeric_evaluations"] // s["evaluations_per_epoch_numeric"]
    _seed_block(console, s, doc["spec"]["layers"], epochs)
    _true_block(console, doc["true_accounting"], epochs)
    _measured_block(console, doc["measured"], doc["measured_predicted"], epochs)
    _seed_004_block(console, doc["seed_004"])


def _seed_block(console: Console, s: dict[str, Any], L: int, E: int) -> None:
    console.rule("1. The seed's accounting: per weight tensor")
    console.print(
        f"{s['tensors']} tensors ({L} W, {L} b) x 2 evaluations = {s['evaluations_per_epoch_numeric']} "
        f"evaluations per epoch; x {E:,} epochs = [bold]{s['numeric_evaluations']:,}[/] evaluations, "
        f"against 2 per epoch = [bold]{s['backprop_evaluations']:,}[/] for backprop.\n"
        f"Matmuls: {s['numeric_evaluations']:,} evaluations x {L} matmuls = "
        f"[bold]{s['numeric_matmuls']:,}[/]. The seed writes {s['seed_written_numeric_matmuls']:,}: its "
        f"figure counts each evaluation twice (it multiplies the {s['numeric_evaluations']:,} evaluations "
        f"by the {2 * L} matmuls of a tensor's 2 evaluations).",
        highlight=False,
    )


def _true_block(console: Console, t: dict[str, Any], E: int) -> None:
    console.rule("2. The true accounting: per scalar parameter")
    t2 = Table(show_edge=False)
    for col in ("method", "per gradient", f"over {E:,} epochs", "matmuls"):
        t2.add_column(col, justify="left" if col == "method" else "right", no_wrap=True)
    for method, r in per_method(t).items():
        t2.add_row(label(method), r["per_gradient"], f"{r['passes']:,}", f"{r['matmuls']:,}")
    console.print(f"N = {t['n_params']:,} parameters: a numerical gradient perturbs each one, not each tensor; "
                  "passes per gradient and over the epochs.", highlight=False)  # fmt: skip
    console.print(t2)


def _measured_block(console: Console, m: dict[str, Any], predicted: dict[str, Any], E: int) -> None:
    console.rule(f"3. Measured: {m['epochs']:,} full-batch epochs, one SGD step each, on {m['samples']} fixed samples")
    t3 = Table(show_edge=False)
    check = "= block 2" if m["epochs"] == E else f"= model at {m['epochs']:,} epochs"
    for col in ("method", "passes", "matmuls", check, "gradient time", "final loss"):
        t3.add_column(col, justify="left" if col == "method" else "right", no_wrap=True)
    for method, r in per_method(m).items():
        p = predicted[method]
        same = r["passes"] == p["passes"] and r["matmuls"] == p["matmuls"]
        t3.add_row(label(method), f"{r['passes']:,}", f"{r['matmuls']:,}", "yes" if same else "NO",
                   seconds(r["gradient_s"]), f"{r['final_train_loss']:.6g}")  # fmt: skip
    console.print(t3)
    console.print("passes and matmuls are counted while the runs ran; gradient time is the time spent in them.",
                  style="dim", highlight=False)  # fmt: skip
    slow, fast = list(per_method(m))
    console.print(f"{label(slow)} took [bold]{ratio(m['time_ratio'])}[/] the time of {label(fast)} for the "
                  "same training (the losses agree because the gradients do).", highlight=False)  # fmt: skip


def _seed_004_block(console: Console, s4: dict[str, Any]) -> None:
    console.rule("Seed 004: N(N+1) multiplications per numerical-gradient step")
    n = s4["small_n_params"]
    console.print(
        f"Counted on a bias-free network at batch 1 (N = {n}): one forward pass does "
        f"{s4['small_forward_multiplications']:,} multiplications (= N), one forward-difference step "
        f"{s4['small_step_multiplications']:,} (N(N+1) = {s4['small_predicted']:,}: "
        f"{'holds' if s4['holds'] else 'DOES NOT HOLD'}); backprop's step {s4['backprop_step_multiplications']:,}.\n"
        f"At N = {s4['target_n_params']:,}: N(N+1) = [bold]{s4['target_step_multiplications']:,}[/] "
        f"multiplications per step, about 10^{len(str(s4['target_step_multiplications'])) - 1}.",
        highlight=False,
    )
