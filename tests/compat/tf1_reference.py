"""TensorFlow 2.15's results for the TF1 API tests: each area's generator script
(``scripts/generate_tf1_api_<area>_reference.py``), loaded without TensorFlow (its case functions take
the ``tf`` module to build with), and what it recorded (``tests/data/compat_v1/api_<area>.npz``)."""

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def generator(area: str):
    """The generator script of ``area`` ("math", "array", "nn") as a module."""
    name = f"generate_tf1_api_{area}_reference"
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recorded(area: str) -> dict:
    """Every array the generator of ``area`` recorded, by key."""
    with np.load(ROOT / "tests" / "data" / "compat_v1" / f"api_{area}.npz") as data:
        return {key: data[key] for key in data.files}


def inputs(values: dict) -> dict:
    """The recorded inputs (keys ``in:<name>``), by name."""
    return {key[len("in:"):]: value for key, value in values.items() if key.startswith("in:")}
