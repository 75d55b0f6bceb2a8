"""TF1 programs written as TensorFlow's tutorials write them (tests/tf1_programs/, the seed's
example among them) run with ``import tfc as tf`` (the only line changed) and give TensorFlow's numbers
(recorded by scripts/generate_tf1_programs.py)."""

import runpy
from pathlib import Path

import numpy as np
import pytest

import tfc.compat.v1 as tf

HERE = Path(__file__).resolve().parent.parent
PROGRAMS = sorted((HERE / "tf1_programs").glob("*.py"))


def recorded(name: str) -> dict:
    with np.load(HERE / "data" / "tf1_programs" / f"{name}.npz") as data:
        return {k: data[k] for k in data.files}


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_matches_tensorflow(program):
    tf.reset_default_graph()
    results = runpy.run_path(str(program))["RESULTS"]
    expected = recorded(program.stem)
    assert sorted(results) == sorted(expected)
    for key, want in expected.items():
        got = np.asarray(results[key])
        assert got.shape == want.shape, key
        if want.dtype.kind in "US":
            assert got.astype(str).tolist() == want.astype(str).tolist(), key
        elif want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5, err_msg=key)
        else:
            np.testing.assert_array_equal(got, want, err_msg=key)


def test_every_program_has_recorded_results():
    recorded_names = {p.stem for p in (HERE / "data" / "tf1_programs").glob("*.npz")}
    assert {p.stem for p in PROGRAMS} == recorded_names
