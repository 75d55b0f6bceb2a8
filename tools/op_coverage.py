"""Which registered ops the test suite exercises (the "tested" and "suite" columns of ``tfc ops``), and
which TensorFlow ops TensorFlow's XLA bridge compiles (the "xla bridge" column).

The answer ships with the package (``op_coverage.json``), so an installed tfc reports it without a
source checkout. It is generated from the test suite by a static scan: one of tfc's own ops (``tfc.*``
core ops and the ``tf.*`` dialect, what ``tfc ops`` lists) counts as tested when its name appears
quoted in a test module or golden file (``"tfc.add"``, or ``"MatMul"`` for ``tf.MatMul``, as the
GraphDef builders in the tests write it), or in a corpus case's op list. A ``tf.*`` op is "in the suite" when the op suite TensorFlow generated
(``tests/data/op_suite/*.npz``) has a case for it (a composite case covers each op type it lists;
Const and Placeholder, which hold every case's inputs, are covered by every case). ``tf_xla_ops.json`` is written by that generator
(``scripts/tf_op_suite/generate.py``) from TensorFlow's registered XLA kernels.
``tests/test_op_coverage.py`` regenerates the lists and fails when the shipped file is stale::

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


XLA_OPS_FILE = "tf_xla_ops.json"
SUITE_FOLDER = Path("data") / "op_suite"
INPUT_OPS = ("Const", "Placeholder")  # what holds an op-suite case's inputs


def _shipped(key: str) -> frozenset[str]:
    text = resources.files("tfc.tools").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return frozenset(json.loads(text)[key])


def tested_ops() -> frozenset[str]:
    """Registered op names the test suite exercises, as shipped with the package."""
    return _shipped("tested")


def suite_ops() -> frozenset[str]:
    """Registered ``tf.*`` op names the TensorFlow-generated op suite has cases for, as shipped."""
    return _shipped("suite")


def xla_bridge_ops() -> frozenset[str]:
    """TensorFlow op types (``MatMul``) TensorFlow's XLA bridge compiles, as recorded by the suite generator."""
    text = resources.files("tfc.tools").joinpath(XLA_OPS_FILE).read_text(encoding="utf-8")
    return frozenset(json.loads(text)["ops"])


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
    names.update(_suite_op_types(tests_root))
    return sorted(op.name for op in REGISTRY if op.name.startswith(OWN_DIALECTS) and _mentioned(op.name, names))


def scan_suite(tests_root: Path) -> list[str]:
    """Registered ``tf.*`` op names the op suite under ``tests_root`` has cases for (sorted)."""
    types = _suite_op_types(tests_root)
    return sorted(op.name for op in REGISTRY if op.name.startswith("tf.") and op.name[3:] in types)


def _suite_op_types(tests_root: Path) -> set[str]:
    import numpy as np

    types: set[str] = set()
    for path in sorted((tests_root / SUITE_FOLDER).glob("*.npz")):
        with np.load(path, allow_pickle=False) as data:
            for case in json.loads(data["__suite__"].tobytes())["cases"].values():
                # a composite case lists every op type it tests; every case's inputs are Placeholder
                # (fed) or Const nodes, so each case tests those two as well
                types.update([case["op"], *case.get("ops", ()), *INPUT_OPS])
    return types


def _mentioned(op_name: str, names: set[str]) -> bool:
    """``tf.MatMul`` is written ``"MatMul"`` in GraphDefs; core ops by their full name."""
    return (op_name.startswith("tf.") and op_name[3:] in names) or op_name in names


def render(tested: list[str], suite: list[str]) -> str:
    return json.dumps({"generated_by": "python -m tfc.tools.op_coverage tests --write", "tested": tested, "suite": suite}, indent=1) + "\n"


def main(argv: list[str]) -> int:
    """``python -m tfc.tools.op_coverage TESTS_DIR [--write]``: print (or write) the coverage data."""
    if not argv or argv[0].startswith("-"):
        print("usage: python -m tfc.tools.op_coverage TESTS_DIR [--write]", file=sys.stderr)
        return 2
    text = render(scan(Path(argv[0])), scan_suite(Path(argv[0])))
    if "--write" in argv[1:]:
        write_atomically(Path(__file__).with_name(DATA_FILE), text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
