"""Image resizing and cropping: the errors TensorFlow raises (or that tfc raises where it needs
constants), and the imported resizes' gradients against the gradient ops, which the op suite checks
against TensorFlow. Values themselves are checked by the op suite (family ``image``)."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.backends.xla.backend import compile_module
from tfc.diagnostics import TfcError
from tfc.frontend.autodiff import add_gradients
from tfc.frontend.tf.importer import GraphImporter
from tfc.passmanager import PassManager
from tfc.types import DType, TensorType

from .graphs import GraphBuilder
from .test_array import F32, I32, Feed, run_op

IMAGES = np.arange(2 * 3 * 4 * 2, dtype=F32).reshape(2, 3, 4, 2)


@pytest.mark.parametrize("op", ["ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic"])
def test_resize_errors(op):
    with pytest.raises(TfcError, match="r1.*align_corners and half_pixel_centers cannot both be true"):
        run_op(op, [Feed(IMAGES), np.array([2, 2], I32)], name="r1", align_corners=True, half_pixel_centers=True)
    with pytest.raises(TfcError, match="r2.*images must have rank 4"):
        run_op(op, [Feed(IMAGES[0]), np.array([2, 2], I32)], name="r2")
    with pytest.raises(TfcError, match="r3.*two positive sizes"):
        run_op(op, [Feed(IMAGES), np.array([0, 2], I32)], name="r3")
    with pytest.raises(TfcError, match="r4.*size.*must be a constant"):
        run_op(op, [Feed(IMAGES), Feed([2, 2], I32)], name="r4")


def test_resize_grad_errors():
    grads = Feed(np.ones((2, 5, 5, 2), F32))
    with pytest.raises(TfcError, match="g1.*original_image must have rank 4"):
        run_op("ResizeBilinearGrad", [grads, Feed(IMAGES[0])], name="g1")
    with pytest.raises(TfcError, match="g2.*align_corners and half_pixel_centers"):
        run_op("ResizeNearestNeighborGrad", [grads, np.array([3, 4], I32)], name="g2", align_corners=True, half_pixel_centers=True)


def test_crop_and_resize_errors():
    boxes = np.array([[0, 0, 1, 1]], F32)
    with pytest.raises(TfcError, match=r"c1.*box_ind \[2\] must be in \[0, 2\)"):
        run_op("CropAndResize", [Feed(IMAGES), Feed(boxes), np.array([2], I32), np.array([2, 2], I32)], name="c1")
    with pytest.raises(TfcError, match=r"c2.*boxes must have shape \[num_boxes, 4\]"):
        run_op("CropAndResize", [Feed(IMAGES), Feed(boxes[:, :3]), np.array([0], I32), np.array([2, 2], I32)], name="c2")
    with pytest.raises(TfcError, match="c3.*crop_size.*must be a constant"):
        run_op("CropAndResize", [Feed(IMAGES), Feed(boxes), np.array([0], I32), Feed([2, 2], I32)], name="c3")


def resize_gradient(op: str, flags: dict, size) -> tuple[np.ndarray, np.ndarray]:
    """The gradient of sum(resize(x) * w) with respect to x, by autodiff of the imported resize and
    by the matching gradient op applied to w."""
    g = GraphBuilder()
    x, w = g.placeholder("x", F32, IMAGES.shape), g.placeholder("w", F32, (2, *size, 2))
    resized = g.op(op, [x, g.const(np.array(size, I32))], T=F32, **flags)
    loss = g.op("Sum", [g.op("Mul", [resized, w], T=F32), g.const(np.arange(4, dtype=I32))], T=F32, Tidx=I32)
    grad_op = op + "Grad"
    second = g.const(np.array(IMAGES.shape[1:3], I32)) if op == "ResizeNearestNeighbor" else x
    by_op = g.op(grad_op, [w, second], T=F32, **flags)
    feeds = {"x:0": TensorType(DType.f32, IMAGES.shape), "w:0": TensorType(DType.f32, (2, *size, 2))}
    imported = GraphImporter(g.graph).import_graph([f"{loss}:0", f"{by_op}:0"], [], feeds)
    PassManager("legalize-tf").run(imported.module)
    add_gradients(imported.module, wrt=[0])
    weights = np.random.default_rng(0).standard_normal((2, *size, 2)).astype(F32)
    _, want, got = (np.asarray(v) for v in compile_module(imported.module)(IMAGES, weights))
    return got, want


@pytest.mark.parametrize("op", ["ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic"])
@pytest.mark.parametrize("flags", [{}, {"align_corners": True}, {"half_pixel_centers": True}])
def test_resize_gradient_is_the_gradient_op(op, flags):
    got, want = resize_gradient(op, flags, (5, 3))  # taller, narrower
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_extract_patches_errors():
    attrs = {"ksizes": [1, 2, 2, 1], "strides": [1, 1, 1, 1], "rates": [1, 1, 1, 1], "padding": "VALID"}
    with pytest.raises(TfcError, match=r"p1.*ksizes \[2, 2, 2, 1\] must hold 4 positive entries with 1 for the batch and the depth"):
        run_op("ExtractImagePatches", [Feed(IMAGES)], name="p1", **{**attrs, "ksizes": [2, 2, 2, 1]})
    with pytest.raises(TfcError, match=r"p2.*strides \[1, 0, 1, 1\]"):
        run_op("ExtractImagePatches", [Feed(IMAGES)], name="p2", **{**attrs, "strides": [1, 0, 1, 1]})
    with pytest.raises(TfcError, match="p3.*input must have rank 4"):
        run_op("ExtractImagePatches", [Feed(IMAGES[0])], name="p3", **attrs)
    with pytest.raises(TfcError, match="p4.*'padding' = 'EXPLICIT' is not allowed"):
        run_op("ExtractImagePatches", [Feed(IMAGES)], name="p4", **{**attrs, "padding": "EXPLICIT"})
