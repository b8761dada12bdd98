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


@pytest.mark.parametrize("module", ["cli/commands.py", "cli/inspect_commands.py"])
def test_the_command_line_is_a_thin_adapter(module):
    cli = PACKAGE / module
    assert len(cli.read_text().splitlines()) <= MAX_CLI_LINES
    for f in functions(cli):
        options = [a for a in f.args.args if a.arg != "ctx"]
        assert len(options) <= MAX_OPTIONS, f.name


def test_no_function_is_longer_than_a_screen():
    long = [
        f"{path.relative_to(PACKAGE)}:{f.name} ({f.end_lineno - f.lineno + 1} lines)"
        for path in PACKAGE.rglob("*.py")
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


# --- the layers: cli -> render -> studies -> measure -> methods | peers -> model -> io -> errors, version ---
# A module imports only from its own folder or from a folder below it (CONTRIBUTING.md, "The layers").
LAYERS = {"errors": 0, "version": 0, "io": 1, "model": 2, "methods": 3, "peers": 3, "measure": 4, "studies": 5,
          "render": 6, "testing": 6, "cli": 7, "__init__": 8, "__main__": 8}  # fmt: skip
MAX_MODULE_LINES, MAX_TOP_MODULES = 400, 4


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The gradbench modules `name` imports, at the top or inside a function: `from . import x` names
    the module x, `from .x import f` the module x."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("gradbench")}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


def layer(name: str) -> str:
    """The folder (or top-level module) a module belongs to: gradbench.model.mlp -> model."""
    parts = name.split(".")
    return "__init__" if len(parts) == 1 else parts[1]  # a top-level module is its own layer


def test_the_package_is_a_handful_of_folders_named_for_the_domain():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert len(top) <= MAX_TOP_MODULES, top
    assert folders == sorted(k for k in LAYERS if not k.startswith("__") and LAYERS[k] > 0)
    assert set(LAYERS) >= {layer(m) for m in MODULES}


def test_no_module_is_longer_than_the_limit():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_imports_only_run_down_the_layers():
    """Within a folder anything goes (but no circle); across folders, only downward."""
    upward = [
        f"{m} -> {i}"
        for m in MODULES
        for i in imports(m)
        if layer(i) != layer(m) and LAYERS[layer(i)] >= LAYERS[layer(m)]
    ]
    assert upward == []


def test_there_is_no_import_circle():
    graph = {m: imports(m) for m in MODULES}
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(m: str, path: list[str]) -> list[str] | None:
        state[m] = 1
        for i in sorted(graph[m]):
            if state.get(i) == 1:
                return [*path[path.index(i) :], i] if i in path else [*path, i]
            if i not in state and (circle := visit(i, [*path, i])):
                return circle
        state[m] = 2
        return None

    circles = [c for m in sorted(graph) if m not in state and (c := visit(m, [m]))]
    assert circles == []


def test_the_layer_test_sees_an_upward_import():
    """The checks above can fail: the model reaching up into the CLI is seen as upward."""
    assert "gradbench.methods.registry" in imports("gradbench.methods.catalogue")
    assert LAYERS[layer("gradbench.cli.app")] > LAYERS[layer("gradbench.model.spec")]
    assert layer("gradbench.errors") == "errors" and layer("gradbench") == "__init__"
