"""Differential harness for core ops: build a one-op module, check it round-trips as text and
verifies, then run it on the interp and xla backends and compare."""

from __future__ import annotations

import numpy as np

from tfc.backends.interp.interpreter import run as interp_run
from tfc.backends.xla.backend import compile_module
from tfc.builder import Builder
from tfc.ir import Function, Module
from tfc.parser import parse_module
from tfc.printer import print_module
from tfc.types import DType, TensorType
from tfc.verifier import verify


def one_op_module(name, args, attributes=None, result_types=None, regions=()):
    """A module whose @main takes ``args`` (numpy arrays) and returns all results of one op."""
    arg_types = [TensorType(DType.from_numpy(a.dtype), a.shape) for a in args]
    module = Module.create()
    function = Function.create("main", arg_types, [])
    module.add_function(function)
    op = Builder(function.body).create(name, function.args, attributes, result_types, regions)
    Builder(function.body).create("func.return", op.results)
    function.set_type(type(function.type)(tuple(arg_types), tuple(r.type for r in op.results)))
    return module


def tolerance(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float16 or dtype.name == "bfloat16":
        return dict(rtol=1e-2, atol=1e-2)
    if dtype in (np.float32, np.complex64):
        return dict(rtol=1e-5, atol=1e-5)
    if dtype in (np.float64, np.complex128):
        return dict(rtol=1e-12, atol=1e-12)
    return dict(rtol=0, atol=0)


def check_module(module, args, expected=None):
    """Round-trip, verify, and compare interp with xla (and with ``expected`` when given)."""
    text = print_module(module)
    assert print_module(parse_module(text)) == text
    verify(module)
    want = interp_run(module, args)
    got = [np.asarray(x) for x in compile_module(module)(*args)]
    assert len(got) == len(want)
    for w, g in zip(want, got):
        assert w.dtype == g.dtype, (w.dtype, g.dtype)
        assert w.shape == g.shape, (w.shape, g.shape)
        np.testing.assert_allclose(g.astype(np.float64) if g.dtype.name == "bfloat16" else g,
                                   w.astype(np.float64) if w.dtype.name == "bfloat16" else w,
                                   equal_nan=True, **tolerance(w.dtype))
    if expected is not None:
        for w, e in zip(want, expected):
            np.testing.assert_allclose(w, e, **tolerance(w.dtype))
    return want


def check_op(name, args, attributes=None, result_types=None, expected=None, regions=()):
    """check_module on a one-op module built from ``args``."""
    args = [np.asarray(a) for a in args]
    return check_module(one_op_module(name, args, attributes, result_types, regions), args, expected)
