"""Record TensorFlow's results for the TF1 programs in tests/tf1_programs/ (run by hand, in an
environment with TensorFlow; tfc's tests never import it).

Each program is run with its one import line, ``import tfc as tf``, replaced by
TensorFlow's own (``import tensorflow.compat.v1 as tf`` with eager execution off); the program's
``RESULTS`` dict is written to tests/data/tf1_programs/<program>.npz.

    /tmp/tfenv/bin/python scripts/generate_tf1_programs.py [program ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "tf1_programs"
OUT = ROOT / "tests" / "data" / "tf1_programs"
TFC_IMPORT = "import tfc as tf\n"
TF_IMPORT = "import tensorflow.compat.v1 as tf\ntf.disable_eager_execution()\n"


def record(path: Path) -> dict:
    source = path.read_text()
    if source.count(TFC_IMPORT) != 1:
        raise SystemExit(f"{path}: expected exactly one line '{TFC_IMPORT.strip()}'")
    import tensorflow.compat.v1 as tf

    tf.reset_default_graph()
    namespace = {"__name__": "__main__", "__file__": str(path)}
    exec(compile(source.replace(TFC_IMPORT, TF_IMPORT), str(path), "exec"), namespace)  # our own programs, with the import swapped
    return namespace["RESULTS"]


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    paths = [PROGRAMS / f"{n}.py" for n in names] if names else sorted(PROGRAMS.glob("*.py"))
    for path in paths:
        results = record(path)
        np.savez(OUT / f"{path.stem}.npz", **{k: np.asarray(v) for k, v in results.items()})
        print(f"{path.stem}: {', '.join(sorted(results))}")


if __name__ == "__main__":
    main(sys.argv[1:])
