"""The structure is checked, not only described (docs/architecture.md):

* the layer contract in pyproject.toml (import-linter: rooms in layers, the core layered, no import
  cycles, function-level imports included), on a copy of the package laid out as it is installed;
* ruff (configured in pyproject.toml), which also forbids importing another module's underscore
  names and reaching into other objects' underscore attributes;
* no function of the package is longer than 60 lines.

Each check is also run on a deliberately broken copy, to prove it can fail.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE_DIRS = PYPROJECT["tool"]["setuptools"]["package-dir"]  # import name -> folder
MAX_FUNCTION_LINES = 60
BIN = Path(sys.executable).parent


def stage(dest: Path) -> Path:
    """The package as it is installed (``tfc/``, ``tfc/frontend/``, ...), copied under ``dest``:
    import-linter reads a package from one folder, while the repository keeps its rooms at the top."""
    for package, folder in PACKAGE_DIRS.items():
        target = dest.joinpath(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for source in (ROOT / folder).glob("*.py"):
            shutil.copy2(source, target / source.name)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def lint_imports(staged: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(staged))  # the staged copy wins over the editable install
    return subprocess.run([str(BIN / "lint-imports"), "pyproject.toml", "--no-cache", "--no-logo"], cwd=staged, env=env,
                          capture_output=True, text=True, timeout=300)


def ruff(*paths: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), *map(str, paths)],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def add_function_level_import(path: Path, statement: str) -> None:
    """Append a function whose body is ``statement`` (an import the contract must see)."""
    path.write_text(path.read_text() + f"\n\ndef _injected():\n    {statement}\n")


# ---- the layer contract ----------------------------------------------------------------------------
def test_layer_contract_is_kept(tmp_path):
    result = lint_imports(stage(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_core_importing_the_frontend_breaks_the_contract(tmp_path):
    staged = stage(tmp_path)
    add_function_level_import(staged / "tfc" / "ir.py", "from tfc.frontend.tensor import Tensor  # noqa")
    result = lint_imports(staged)
    assert result.returncode != 0
    assert "Rooms: each imports only the rooms below it" in result.stdout and "BROKEN" in result.stdout
    assert "tfc.ir -> tfc.frontend.tensor" in result.stdout


def test_an_import_cycle_breaks_the_contract(tmp_path):
    staged = stage(tmp_path)
    add_function_level_import(staged / "tfc" / "frontend" / "tensor.py", "from tfc.frontend import api  # noqa")
    result = lint_imports(staged)
    assert result.returncode != 0
    assert "No import cycles anywhere" in result.stdout
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any("No import cycles" in line for line in broken), result.stdout


def test_a_pass_reaching_xla_directly_breaks_the_contract(tmp_path):
    """Passes may evaluate with the interpreter; nothing above the backends names XLA but the loader."""
    staged = stage(tmp_path)
    add_function_level_import(staged / "tfc" / "passes" / "dce.py", "from tfc.backends.xla.backend import compile_module  # noqa")
    result = lint_imports(staged)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any("only through the loader" in line for line in broken) and any("interpreter only" in line for line in broken), result.stdout


def test_every_module_is_placed_in_a_layer(tmp_path):
    """The contract is exhaustive: a new module of the core must be given a layer."""
    staged = stage(tmp_path)
    (staged / "tfc" / "newcomer.py").write_text('"""A module nobody placed."""\n')
    result = lint_imports(staged)
    assert result.returncode != 0
    assert "newcomer" in result.stdout


# ---- ruff ------------------------------------------------------------------------------------------
def test_ruff_is_clean():
    result = ruff(".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "source, rule",
    [
        ("from tfc.frontend.tensor import _slice_plan\n", "import-private-name"),  # another module's underscore name
        ("def peek(graph):\n    return graph._names\n", "private-member-access"),  # another object's underscore attribute
    ],
)
def test_ruff_rejects_private_names(tmp_path, source, rule):
    module = tmp_path / "runtime" / "offender.py"  # checked as package code, where tests' exemptions do not apply
    module.parent.mkdir()
    module.write_text('"""An offender."""\n\n' + source)
    result = ruff(module, cwd=tmp_path)
    assert result.returncode != 0 and rule in result.stdout, result.stdout


def underscore_imports(folder: Path) -> list[str]:
    """``from <tfc module> import _name`` statements: another module's private names used as an
    interface (ruff's import-private-name lets a package's own modules do this; we do not)."""
    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            internal = isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").split(".")[0] == "tfc")
            if internal and any(a.name.startswith("_") and not a.name.startswith("__") for a in node.names):
                found.append(f"{path.relative_to(folder.parent)}:{node.lineno}")
    return found


def test_no_module_imports_another_modules_underscore_names(tmp_path):
    found = [hit for folder in sorted(set(PACKAGE_DIRS.values())) for hit in underscore_imports(ROOT / folder)]
    assert not found, f"imports of private names: {found}"
    (tmp_path / "offender.py").write_text("from .shape import _helper\n")
    assert underscore_imports(tmp_path) == [f"{tmp_path.name}/offender.py:1"]  # the check can fail


# ---- function length -------------------------------------------------------------------------------
def long_functions(folder: Path) -> list[tuple[int, str]]:
    """(lines, "file:line name") of functions longer than the limit, longest first."""
    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found.append((lines, f"{path.relative_to(folder.parent)}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def test_no_function_is_longer_than_60_lines():
    found = [row for folder in sorted(set(PACKAGE_DIRS.values())) for row in long_functions(ROOT / folder)]
    assert not found, f"functions over {MAX_FUNCTION_LINES} lines: {found}"


def test_the_length_check_can_fail(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "long.py").write_text(f"def long():\n{body}\n")
    assert [name for _, name in long_functions(tmp_path)] == [f"{tmp_path.name}/long.py:1 long"]
