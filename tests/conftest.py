"""Shared pytest setup: turn each ``tests/golden/**/*.ir`` file into one test (see test_golden.py), and
choose how hypothesis draws examples.

The suite runs with four XLA host devices (``TFC_CPU_DEVICES=4``, set here before anything starts
XLA), so multi-device programs run in-process like single-device ones.

The persistent compile cache goes to a temporary folder of this session (``TFC_CACHE_DIR``, set here
before anything compiles, inherited by the tests' subprocesses and removed at exit): tests never
write into the user's cache, and an entry one test writes may be loaded by another, as in real use.

By default (profile ``ci``) every property and fuzz test draws the same examples on every run: a
failure reproduces, and a change never fails on an example an unrelated run happened to draw.
``HYPOTHESIS_PROFILE=fuzz make test`` (or ``pytest --hypothesis-profile=fuzz tests/reliability``)
draws new ones each run, to search further.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import jax
from hypothesis import settings

os.environ.setdefault("TFC_CPU_DEVICES", "4")
os.environ["TFC_CACHE_DIR"] = tempfile.mkdtemp(prefix="tfc-test-cache-")

from .test_golden import GOLDEN_DIR, GoldenFile

# A test that calls jax.jit before any tfc call starts XLA's CPU backend itself: with jax's own
# setting (this process only; subprocesses choose their own) it starts with the same devices, else
# such a test run alone would find 1 device.
jax.config.update("jax_num_cpu_devices", int(os.environ["TFC_CPU_DEVICES"]))

atexit.register(shutil.rmtree, os.environ["TFC_CACHE_DIR"], ignore_errors=True)

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("fuzz", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".ir" and GOLDEN_DIR in file_path.parents:
        return GoldenFile.from_parent(parent, path=file_path)
    return None
