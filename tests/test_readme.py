"""The README's examples run as written and print what the README says: every `gradbench ...` line of
its bash blocks is run in a scratch directory (a sweep on a smaller grid), and where its comment claims
an accuracy, the output shows it."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
SMALLER = {"sweep": ["--hidden", "4..8x2", "--batch", "1", "--budget", "0.01"]}  # the default grid takes a minute


def examples() -> list[tuple[str, str]]:
    """(command, comment) for each `gradbench` line of a bash block, in order."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.S)
    lines = [line for block in blocks for line in block.splitlines() if line.startswith("gradbench ")]
    return [(line.split("#")[0].strip(), line.partition("#")[2].strip()) for line in lines]


def test_the_readme_has_examples_of_every_command_a_user_starts_with():
    commands = {shlex.split(c)[1] for c, _ in examples()}
    assert {"compare", "train", "sweep", "plot", "diff"} <= commands


def test_every_readme_example_runs_and_prints_what_it_claims(tmp_path):
    (tmp_path / "results").mkdir()
    for command, comment in examples():
        args = shlex.split(command)[1:]
        args += SMALLER.get(args[0], [])
        result = subprocess.run([sys.executable, "-m", "gradbench", *args], cwd=tmp_path, capture_output=True,
                                text=True, timeout=120, check=False)  # fmt: skip
        allowed = {0, 1} if "--fail-on" in args else {0}  # two runs on a shared machine may differ past 25%
        assert result.returncode in allowed, (command, result.stderr)
        assert "Traceback" not in result.stderr
        for percent in re.findall(r"(\d+)% test accuracy|(\d+)% too", comment):
            shown = next(p for p in percent if p)
            assert re.search(rf"test accuracy\s+│\s+{shown}\.0%", result.stdout), (command, result.stdout)


@pytest.mark.parametrize("figure", ["12,000", "2,000", "36,000", "72,000", "10,000,100,000"])
def test_the_readme_quotes_the_seed_figures_that_reproduce_prints(figure, cli):
    code, out, _ = cli("reproduce", "--epochs", "2")
    assert code == 0 and figure in out and figure in README.read_text()


def test_report_renders_a_results_directory_as_one_markdown_page(cli, tmp_path):
    """compare and a sweep (with its plot) in a directory: a page with each section, the picture
    linked, and every method of the comparison in its table."""
    results = tmp_path / "results"
    results.mkdir()
    assert cli("compare", "--hidden", "3", "--budget", "0.02", "--json", str(results / "compare.json"))[0] == 0
    sweep = ["--layers", "1", "--hidden", "2..8x2", "--batch", "1", "--budget", "0.01"]
    assert cli("sweep", *sweep, "--out", str(results / "sweep.csv"))[0] == 0
    assert cli("plot", str(results / "sweep.csv"))[0] == 0
    page = tmp_path / "page.md"
    code, _, err = cli("report", str(results), "--out", str(page))
    assert code == 0, err
    text = page.read_text()
    assert text.startswith("# gradbench results") and "![time per gradient against N](sweep.png)" in text
    for method in ("backprop", "forward", "central", "complex", "forward-mode"):
        assert f"| {method} |" in text
    assert "log-log slope" in text and "## Performance targets" not in text  # no bench.json there


def test_the_readme_check_example_catches_its_bug():
    """The python block of "Checking your own gradient" runs as written; its asserts are the claims."""
    text = README.read_text()
    block = re.search(r"```python\n(.*?)```", text[text.index("## Checking your own gradient") :], re.S)
    namespace: dict = {}
    exec(block.group(1), namespace)
    assert not namespace["result"] and namespace["result"].outcomes[0].evaluations == 2
