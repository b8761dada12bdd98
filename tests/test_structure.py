"""The shape of the code, held as the redesign left it: a thin command line, short functions, a typed
package, and a --help that loads no NumPy."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import gradbench

PACKAGE = Path(gradbench.__file__).parent
MAX_CLI_LINES, MAX_FUNCTION_LINES, MAX_OPTIONS = 250, 60, 23


def functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


@pytest.mark.parametrize("module", ["cli.py", "cli_inspect.py"])
def test_the_command_line_is_a_thin_adapter(module):
    cli = PACKAGE / module
    assert len(cli.read_text().splitlines()) <= MAX_CLI_LINES
    for f in functions(cli):
        options = [a for a in f.args.args if a.arg != "ctx"]
        assert len(options) <= MAX_OPTIONS, f.name


def test_no_function_is_longer_than_a_screen():
    long = [
        f"{path.name}:{f.name} ({f.end_lineno - f.lineno + 1} lines)"
        for path in PACKAGE.glob("*.py")
        for f in functions(path)
        if f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_the_package_is_typed():
    assert (PACKAGE / "py.typed").is_file()


def test_help_does_not_import_numpy():
    code = (
        "import sys; from gradbench.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'numpy' not in sys.modules, 'numpy imported by --help'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "compare" in result.stdout
