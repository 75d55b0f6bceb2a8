"""Imported graphs are differentiable once legalized: the gradient of the corpus linear-regression
loss with respect to its (lifted) variables matches the analytic gradient."""

import numpy as np

from tfc.backends.xla.backend import compile_module
from tfc.frontend.autodiff import add_gradients
from tfc.frontend.tf.importer import GraphImporter
from tfc.passmanager import PassManager
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .corpus import CORPUS


def test_linreg_loss_gradient_matches_analytic():
    case = CORPUS / "linreg_sgd_train"
    with np.load(case / "inputs.npz") as data:
        x, y = data["x"], data["y"]
    feeds = {"x:0": TensorType(DType.f32, x.shape), "y:0": TensorType(DType.f32, y.shape)}
    imported = GraphImporter.from_file(case / "graph.pb").import_graph(["loss:0"], [], feeds)
    PassManager("legalize-tf,lift-variables").run(imported.module)
    main = imported.module.function("main")
    names = list(main.op.attr("tfc.variables_in"))
    assert names == ["w", "b"]
    wrt = add_gradients(imported.module, wrt=[2, 3])  # the lifted variables come after the feeds x and y
    PassManager("canonicalize", verify_each=True).run(imported.module)
    verify(imported.module)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((x.shape[1], 1)).astype(np.float32)
    b = rng.standard_normal(1).astype(np.float32)
    assert wrt == [2, 3]
    loss, grad_w, grad_b = (np.asarray(v) for v in compile_module(imported.module)(x, y, w, b))
    residual = x @ w + b - y
    np.testing.assert_allclose(loss, np.mean(residual**2), rtol=1e-5)
    np.testing.assert_allclose(grad_w, 2 * x.T @ residual / residual.size, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grad_b, [2 * residual.sum() / residual.size], rtol=1e-4, atol=1e-6)
