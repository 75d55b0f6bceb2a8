"""Shared pytest setup: turn each ``tests/golden/**/*.ir`` file into one test (see test_golden.py)."""

from __future__ import annotations

from .test_golden import GOLDEN_DIR, GoldenFile


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".ir" and GOLDEN_DIR in file_path.parents:
        return GoldenFile.from_parent(parent, path=file_path)
    return None
