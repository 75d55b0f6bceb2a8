"""The seed example, compiled with tfc: trace, show every stage as text, run on XLA.

    python examples/seed.py
"""

import numpy as np

import tfc


@tfc.compile
def seed(x):
    z = tfc.matmul(x, x) + tfc.matmul(x, [[1, 0], [0, 1]])
    return z


def main() -> None:
    x = np.array([[5, 6], [7, 8]], np.float32)
    lowered = seed.lower(x)
    print("== tfc IR (traced) ==")
    print(lowered.as_text())
    print("== StableHLO (what XLA receives) ==")
    print(lowered.as_stablehlo())
    z = np.asarray(seed(x))
    print("== result on XLA:CPU ==")
    print(z)
    assert z.tolist() == [[72, 84], [98, 114]], z
    print("== same function on int32, retraced for the new signature ==")
    print(np.asarray(seed(x.astype(np.int32))))
    print("retrace reasons:", seed.retrace_reasons)


if __name__ == "__main__":
    main()
