"""A real TF1 training graph (tests/data/tf1_training, written by scripts/make_tf1_training_graph.py):
the gradient subgraph TensorFlow's ``tf.compat.v1.gradients`` built (Conv2DBackprop*, FusedBatchNormGradV3,
MaxPoolGrad, BroadcastGradientArgs, StridedSliceGrad...) runs on both backends to TensorFlow's values, and
tfc's own differentiation of the imported forward graph gives the same gradients."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tfc.backends import load
from tfc.frontend.autodiff import add_gradients
from tfc.passmanager import PassManager

from .graphs import import_and_legalize

CASE = Path(__file__).resolve().parents[1] / "data" / "tf1_training"
INFO = json.loads((CASE / "case.json").read_text())
GRAPH = (CASE / "graph.pb").read_bytes()
RTOL, ATOL = 1e-4, 1e-5


def feeds() -> dict:
    with np.load(CASE / "inputs.npz") as inputs:
        return {name: inputs[name.split(":")[0]] for name in INFO["feeds"]}


def expected(name: str) -> np.ndarray:
    with np.load(CASE / "expected.npz") as values:
        return values[name.split(":")[0]]


def graph_def():
    from tensorboard.compat.proto import graph_pb2

    graph = graph_pb2.GraphDef()
    graph.ParseFromString(GRAPH)
    return graph


def test_the_graph_holds_tensorflows_gradient_kernels():
    for op in ("Conv2DBackpropFilter", "FusedBatchNormGradV3", "MaxPoolGrad", "BroadcastGradientArgs", "StridedSliceGrad", "MirrorPadGrad"):
        assert op in INFO["ops"]


@pytest.mark.parametrize("backend", ["interp", "xla"])
def test_tensorflows_gradient_graph_matches_tensorflow(backend: str):
    values = feeds()
    result = import_and_legalize(graph_def(), values, INFO["fetches"])
    got = load(result.module, backend=backend).call(*[values[name] for name in result.feeds])
    for name, value in zip(INFO["fetches"], got):
        np.testing.assert_allclose(np.asarray(value), expected(name), rtol=RTOL, atol=ATOL, err_msg=name)


@pytest.mark.parametrize("backend", ["interp", "xla"])
def test_tfc_differentiates_the_forward_graph_as_tensorflow_does(backend: str):
    """Only the loss is imported (no gradient kernel): tfc's autodiff must give TensorFlow's gradients."""
    values = feeds()
    loss = INFO["fetches"][0]
    result = import_and_legalize(graph_def(), values, [loss])
    wrt = [result.feeds.index(name) for name in INFO["parameters"]]
    add_gradients(result.module, wrt=wrt)
    PassManager("canonicalize", verify_each=True).run(result.module)
    got = load(result.module, backend=backend).call(*[values[name] for name in result.feeds])
    np.testing.assert_allclose(np.asarray(got[0]), expected(loss), rtol=RTOL, atol=ATOL)
    for name, value in zip(INFO["parameters"], got[1:]):
        np.testing.assert_allclose(np.asarray(value), expected(f"grad_{name.split(':')[0]}:0"), rtol=RTOL, atol=ATOL, err_msg=name)
