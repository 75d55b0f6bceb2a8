"""Which registered ops the test suite exercises: the "tested" column of ``tfc ops``.

The answer ships with the package (``op_coverage.json``), so an installed tfc reports it without a
source checkout. It is generated from the test suite by a static scan: one of tfc's own ops (``tfc.*``
core ops and the ``tf.*`` dialect, what ``tfc ops`` lists) counts as tested when its name appears
quoted in a test module or golden file (``"tfc.add"``, or ``"MatMul"`` for ``tf.MatMul``, as the
GraphDef builders in the tests write it), or in a corpus case's op list.
``tests/test_op_coverage.py`` regenerates the list and fails when the shipped file is stale::

    python -m tfc.tools.op_coverage tests --write      # after adding tests for new ops
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

from tfc.files import write_atomically
from tfc.registry import REGISTRY

DATA_FILE = "op_coverage.json"
OWN_DIALECTS = ("tfc.", "tf.")  # what `tfc ops` lists (custom ops registered by a test run are not tfc's)
_QUOTED_NAME = re.compile(r'"((?:tfc\.)?[A-Za-z_][A-Za-z0-9_]*)"')


def tested_ops() -> frozenset[str]:
    """Registered op names the test suite exercises, as shipped with the package."""
    text = resources.files("tfc.tools").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return frozenset(json.loads(text)["tested"])


def scan(tests_root: Path) -> list[str]:
    """Registered op names mentioned by the tests under ``tests_root`` (sorted)."""
    names: set[str] = set()
    for path in sorted(tests_root.rglob("*")):
        if path.suffix in (".py", ".ir"):
            names.update(_QUOTED_NAME.findall(path.read_text(errors="replace")))
        elif path.name == "case.json":
            info = json.loads(path.read_text())
            names.update(info.get("ops", []))
            names.update(info.get("library_ops") or [])
    return sorted(op.name for op in REGISTRY if op.name.startswith(OWN_DIALECTS) and _mentioned(op.name, names))


def _mentioned(op_name: str, names: set[str]) -> bool:
    """``tf.MatMul`` is written ``"MatMul"`` in GraphDefs; core ops by their full name."""
    return (op_name.startswith("tf.") and op_name[3:] in names) or op_name in names


def render(tested: list[str]) -> str:
    return json.dumps({"generated_by": "python -m tfc.tools.op_coverage tests --write", "tested": tested}, indent=1) + "\n"


def main(argv: list[str]) -> int:
    """``python -m tfc.tools.op_coverage TESTS_DIR [--write]``: print (or write) the coverage data."""
    if not argv or argv[0].startswith("-"):
        print("usage: python -m tfc.tools.op_coverage TESTS_DIR [--write]", file=sys.stderr)
        return 2
    text = render(scan(Path(argv[0])))
    if "--write" in argv[1:]:
        write_atomically(Path(__file__).with_name(DATA_FILE), text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
