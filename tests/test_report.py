"""What a reader sees: tables that fit 60, 80, 100 and 160 columns with every value whole, in a real
terminal too; the first table always holds each method's time, ratio to backprop and error."""

import io
import os
import pty
import re
import subprocess
import sys

import pytest
from rich.console import Console

from gradbench import Spec
from gradbench.measure.run import Settings, measure_methods
from gradbench.render.compare import COMPARE_COLUMNS, tables

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


@pytest.fixture(scope="module")
def rows():
    return measure_methods(Spec(layers=2, hidden=40), ["forward", "central", "backprop", "forward-batched"],
                           Settings(budget_s=0.02))  # fmt: skip


def shows(lines, method, value):
    """Whether `value` stands whole (between spaces) on one of the lines of `method`'s rows."""
    pattern = re.compile(rf"(?<!\S){re.escape(value)}(?!\S)")
    return any(line.split()[:1] == [method] and pattern.search(line) for line in lines)


def shows_column(lines, r, column):
    """Whether the column's cell of row r is shown: on its own, or in the short form it takes joined to
    the column it follows (an interval beside its value)."""
    forms = [column.cell(r)] + ([column.joined(r)] if column.joined else [])
    if column.follows and "-" in forms:  # no interval: joined to its value, the value stands alone
        forms.append("")
    return any(shows(lines, r.method, form) for form in forms)


def rendered(rows, width):
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for t in tables(rows, "title", width):
        console.print(t)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("width", [60, 80, 100, 160])
def test_every_value_of_every_row_is_shown_whole_within_the_width(rows, width):
    lines = rendered(rows, width)
    assert max(len(line.rstrip()) for line in lines) <= width
    for r in rows:
        for c in COMPARE_COLUMNS:
            assert shows_column(lines, r, c), (width, r.method, c.header)


@pytest.mark.parametrize("width", [60, 80])
def test_the_first_table_holds_time_ratio_and_error(rows, width):
    lines = rendered(rows, width)
    first = lines[: next(i for i, line in enumerate(lines) if i > 3 and not line.strip())]
    header = next(line for line in first if line.split()[:1] == ["method"]).split()
    assert {"time", "time/bp", "rel.err"} <= set(header)


def in_terminal(*args, columns=80, **env_extra):
    """Run gradbench in a pseudo-terminal of `columns`; returns (exit status, raw output)."""
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")} | env_extra
    proc = subprocess.Popen([sys.executable, "-m", "gradbench", *args], stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


def test_compare_fits_a_real_80_column_terminal():
    """Run in a pseudo-terminal of 80 columns: no line longer, every method's row present."""
    code, raw = in_terminal("compare", "--hidden", "4", "--budget", "0.02")
    text = ANSI.sub("", raw).replace("\r", "")
    lines = [line for line in text.splitlines() if line.strip()]
    assert code == 0
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    for method in ("backprop", "forward", "central", "complex", "forward-mode", "forward-batched"):
        assert any(line.split()[:1] == [method] for line in lines), method


def test_no_color_is_respected_in_a_terminal():
    """Colour codes (foreground 30-37, 90-97, 38;...) in a terminal, none with NO_COLOR set."""
    colour = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])[;m]")
    args = ("compare", "--hidden", "3", "--budget", "0.01")
    _, coloured = in_terminal(*args)
    code, plain = in_terminal(*args, NO_COLOR="1")
    assert code == 0 and colour.search(coloured) and not colour.search(plain)


@pytest.mark.parametrize("env", [{"COLUMNS": "0"}, {"COLUMNS": "abc"}, {"TERM": "dumb"}, {"COLUMNS": "-5"}])
def test_a_terminal_with_a_nonsense_columns_or_a_dumb_term_gets_its_real_width(env):
    """rich would take COLUMNS=0 as a width of 0 and print nothing; the terminal's own 80 columns are used."""
    code, raw = in_terminal("compare", "--hidden", "3", "--budget", "0.02", **env)
    text = ANSI.sub("", raw).replace("\r", "")
    lines = [line for line in text.splitlines() if line.strip()]
    assert code == 0 and "Traceback" not in text
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert sum(line.split()[:1] == ["backprop"] for line in lines) >= 2  # a row in each table
    if env.get("TERM") == "dumb":
        assert "\x1b[" not in raw.replace("\x1b[?25l", "").replace("\x1b[?25h", "")  # no colour, no cursor moves


def test_results_from_two_machines_each_name_their_own(tmp_path):
    """One machine: the page says it once, at the top. Two: each section says which, so a sweep from one
    CPU is never read as measured on the other's."""
    import json
    import shutil
    from pathlib import Path

    from gradbench.render.page import page

    committed = Path(__file__).parents[1] / "results"
    for name in ("compare.json", "reproduce.json"):
        shutil.copy(committed / name, tmp_path / name)

    def on(name: str, cpu: str, cpu_id: dict | None) -> None:
        doc = json.loads((tmp_path / name).read_text())
        doc["metadata"].update(cpu=cpu, cpu_count=2, blas_threads=1)
        doc["metadata"].pop("cpu_id", None)
        doc["metadata"].update({"cpu_id": cpu_id} if cpu_id else {})
        (tmp_path / name).write_text(json.dumps(doc))

    xeon = {"vendor": "GenuineIntel", "family": "6", "model": "167", "simd": ["avx2", "avx512f"]}
    on("compare.json", "Intel(R) Xeon(R) Processor", xeon)
    on("reproduce.json", "Intel(R) Xeon(R) Processor", xeon)
    text = page(tmp_path)
    assert text.count("Measured on") == 1
    assert "Measured on Intel(R) Xeon(R) Processor (family 6 model 167, AVX-512), 2 cores, 1 BLAS thread," in text

    on("reproduce.json", "AMD EPYC", None)
    text = page(tmp_path)
    lines = text.splitlines()
    assert text.count("Measured on") == 2 and lines[2].startswith("## One gradient")  # no page-wide line
    compare_at, reproduce_at = text.index("## One gradient"), text.index("## The seeds'")
    assert compare_at < text.index("Measured on Intel") < reproduce_at < text.index("Measured on AMD EPYC, 2 cores")


def test_bench_at_80_columns_keeps_every_target_whole_with_its_detail_beneath():
    """Five columns in 80 cut the names to 'backprop-checkp…': a narrow terminal gets the detail under the
    name instead, and every name and detail reads whole."""
    from gradbench.render.bench import WIDE, show_bench
    from gradbench.studies.targets import Target

    targets = [Target("backprop-checkpoint / backprop time, L=64 H=32 B=256", 1.42, 1.5, "max",
                      "recomputed FLOPs: +29.5% of a forward-backward's (at most one forward pass)", low=1.37,
                      high=1.48),
               Target("forward-batched FLOPs / with layer l+1 recomputed, L=3 H=100 B=32", 0.351, 0.5, "max",
                      "6.95e+09 against 1.98e+10 FLOPs (cost model)", exact=True)]  # fmt: skip
    meta = {"cpu": "Intel(R) Xeon(R) Processor", "blas_threads": 1}
    for width in (80, WIDE + 20):
        out = io.StringIO()
        show_bench(Console(file=out, width=width, color_system=None), targets, meta, has_torch=True)
        lines = out.getvalue().splitlines()
        flat = " ".join(" ".join(line.strip("│┃ ").split()) for line in lines)
        assert max(len(line) for line in lines) <= width and "…" not in out.getvalue()
        assert lines[0].rstrip() == "gradbench targets on Intel(R) Xeon(R) Processor, 1 BLAS thread"
        assert "0.351 (exact)" in flat and "1.42 (1.37–1.48)" in flat and "~: estimated" in flat
        assert ("detail" in lines[2]) == (width > WIDE)
        for x in targets:
            assert x.detail.split()[0] in flat and x.detail.split()[-1] in flat
