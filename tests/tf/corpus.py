"""The corpus of real TensorFlow graphs in tests/data/corpus (read-only): where it is and how to run a case."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"


@dataclass
class Case:
    name: str
    path: Path
    info: dict

    @property
    def graph(self) -> Path:
        return self.path / "graph.pb"

    def feeds(self) -> dict:
        with np.load(self.path / "inputs.npz") as inputs:
            return {tensor: inputs[key] for tensor, key in self.info["feeds"].items()}

    def expected(self) -> dict:
        with np.load(self.path / "expected.npz") as expected:
            return {name: expected[key] for name, key in self.info["expected_keys"].items()}

    def check(self, results: dict) -> None:
        """Compare fetched values with TensorFlow's, within the case's tolerance."""
        for name, want in self.expected().items():
            got = np.asarray(results[name])
            assert got.shape == want.shape, f"{self.name} {name}: shape {got.shape} != {want.shape}"
            np.testing.assert_allclose(got, want, rtol=self.info["rtol"], atol=self.info["atol"], err_msg=f"{self.name} {name}")


def cases() -> list[Case]:
    return [Case(p.name, p, json.loads((p / "case.json").read_text())) for p in sorted(CORPUS.iterdir()) if (p / "case.json").exists()]


def run_case(case: Case, backend: str, **options) -> dict:
    """Run the corpus protocol through the Python API: init once, targets N times, then fetch."""
    from tfc.runtime.graph_session import GraphSession

    info = case.info
    session = GraphSession.from_file(case.graph, backend=backend, **options)
    feeds = case.feeds()
    if info.get("init_targets"):
        session.run([], {}, info["init_targets"])
    for _ in range(info.get("steps") or 1 if info.get("targets") else 0):
        session.run([], feeds, info["targets"])
    return dict(zip(info["fetches"], session.run(info["fetches"], feeds)))
