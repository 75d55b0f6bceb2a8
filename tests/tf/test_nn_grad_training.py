"""Real TF1 training graphs (tests/data/tf1_training, written by scripts/make_tf1_training_graph.py): the
gradient subgraphs TensorFlow's ``tf.compat.v1.gradients`` built (Conv2DBackprop*, FusedBatchNormGradV3,
MaxPoolGrad, MaxPoolGradGrad, BroadcastGradientArgs, StridedSliceGrad...) run on both backends to
TensorFlow's values, and tfc's own differentiation of each objective gives TensorFlow's gradients."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tensorboard.compat.proto import graph_pb2

from tfc.backends import load
from tfc.frontend.autodiff import add_gradients
from tfc.passmanager import PassManager

from .graphs import import_and_legalize

DATA = Path(__file__).resolve().parents[1] / "data" / "tf1_training"
CASES = sorted(p.name for p in DATA.iterdir() if (p / "case.json").exists())
RTOL, ATOL = 1e-4, 1e-5


class Case:
    def __init__(self, name: str):
        self.path = DATA / name
        self.info = json.loads((self.path / "case.json").read_text())
        self.graph = graph_pb2.GraphDef()
        self.graph.ParseFromString((self.path / "graph.pb").read_bytes())
        with np.load(self.path / "inputs.npz") as inputs:
            self.feeds = {name: inputs[name.split(":")[0]] for name in self.info["feeds"]}
        with np.load(self.path / "expected.npz") as values:
            self.expected = {name: values[name.split(":")[0]] for name in self.info["fetches"]}

    def objectives(self) -> list[tuple[str, str]]:
        """(objective, prefix of its gradients' names): the loss, and the gradient penalty where there is one."""
        return [(name, prefix) for name, prefix in (("loss:0", "grad_"), ("penalty:0", "penalty_grad_")) if name in self.expected]


@pytest.mark.parametrize("backend", ["interp", "xla"])
@pytest.mark.parametrize("name", CASES)
def test_tensorflows_gradient_graph_matches_tensorflow(name: str, backend: str):
    case = Case(name)
    result = import_and_legalize(case.graph, case.feeds, case.info["fetches"])
    got = load(result.module, backend=backend).call(*[case.feeds[n] for n in result.feeds])
    for fetch, value in zip(case.info["fetches"], got):
        np.testing.assert_allclose(np.asarray(value), case.expected[fetch], rtol=RTOL, atol=ATOL, err_msg=fetch)


@pytest.mark.parametrize("backend", ["interp", "xla"])
@pytest.mark.parametrize("name", CASES)
def test_tfc_differentiates_each_objective_as_tensorflow_does(name: str, backend: str):
    """Only the objective is imported (for the penalty, that holds TensorFlow's first-order gradient
    kernels): tfc's autodiff of it must give TensorFlow's gradients. XLA takes some 15 s to compile the
    penalty's gradients, so only the interpreter runs them (the backends run the same core ops)."""
    case = Case(name)
    for objective, prefix in case.objectives():
        if backend == "xla" and objective == "penalty:0":
            continue
        result = import_and_legalize(case.graph, case.feeds, [objective])
        wrt = [n for n in case.info["parameters"] if f"{prefix}{n}" in case.expected]
        add_gradients(result.module, wrt=[result.feeds.index(n) for n in wrt])
        PassManager("canonicalize", verify_each=True).run(result.module)
        got = load(result.module, backend=backend).call(*[case.feeds[n] for n in result.feeds])
        np.testing.assert_allclose(np.asarray(got[0]), case.expected[objective], rtol=RTOL, atol=ATOL)
        for parameter, value in zip(wrt, got[1:]):
            np.testing.assert_allclose(np.asarray(value), case.expected[f"{prefix}{parameter}"], rtol=RTOL, atol=ATOL, err_msg=f"{objective} {parameter}")


def test_the_graphs_hold_tensorflows_gradient_kernels():
    ops = {op for name in CASES for op in Case(name).info["ops"]}
    for op in ("Conv2DBackpropFilter", "FusedBatchNormGradV3", "MaxPoolGrad", "MaxPoolGradGrad", "BroadcastGradientArgs", "StridedSliceGrad", "MirrorPadGrad"):
        assert op in ops
