"""The ops of shapes known only at run time (tfc.get_dimension_size, tfc.dynamic_reshape,
tfc.real_dynamic_slice, tfc.dynamic_iota, tfc.dynamic_broadcast_in_dim): interp == xla, their type rules with ? dims and constant operands, text
round trips, and how saved_model's specialization folds them into static ops."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.backends.interp.interpreter import run as interp_run
from tfc.diagnostics import VerifyError
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.saved_model.specialize import SpecializeError, specialize
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .harness import check_module, check_op, one_op_module

X = np.arange(20, dtype=np.float32).reshape(5, 4)


def test_get_dimension_size():
    for dim, size in ((0, 5), (1, 4)):
        (got,) = check_op("tfc.get_dimension_size", [X], {"dimension": dim}, expected=[np.int32(size)])
        assert got.dtype == np.int32 and got.shape == ()


def test_dynamic_reshape_takes_its_shape_operand():
    shape = np.array([2, 10], np.int32)
    (got,) = check_op("tfc.dynamic_reshape", [X, shape], result_types=[TensorType(DType.f32, (2, 10))])
    np.testing.assert_array_equal(got, X.reshape(2, 10))


def test_real_dynamic_slice_matches_numpy():
    """Constant bounds: XLA compiles it (a static slice); bounds computed at run time: the reference."""
    module = parse_module(_module('''    %a = "tfc.constant"() {value = dense<[1, 0]> : tensor<2xi32>} : () -> tensor<2xi32>
    %b = "tfc.constant"() {value = dense<[5, 3]> : tensor<2xi32>} : () -> tensor<2xi32>
    %c = "tfc.constant"() {value = dense<[2, 2]> : tensor<2xi32>} : () -> tensor<2xi32>
    %s = "tfc.real_dynamic_slice"(%x, %a, %b, %c) : (tensor<5x4xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2x2xf32>
    "func.return"(%s) : (tensor<2x2xf32>) -> ()
''', "tensor<5x4xf32>", "tensor<2x2xf32>"))
    (got,) = check_module(module, [X])
    np.testing.assert_array_equal(got, X[1:5:2, 0:3:2])
    bounds = [np.array(b, np.int32) for b in ([0, 1], [4, 4], [3, 1])]
    (got,) = interp_run(one_op_module("tfc.real_dynamic_slice", [X, *bounds], result_types=[TensorType(DType.f32, (2, 3))]), [X, *bounds])
    np.testing.assert_array_equal(got, X[0:4:3, 1:4])


def test_dynamic_iota_and_broadcast_in_dim():
    shape = np.array([3, 2], np.int32)
    check_op("tfc.dynamic_iota", [shape], {"iota_dimension": 0}, [TensorType(DType.i32, (3, 2))], expected=[np.array([[0, 0], [1, 1], [2, 2]])])
    row = np.array([5, 7], np.int32)
    check_op("tfc.dynamic_broadcast_in_dim", [row, shape], {"broadcast_dimensions": (1,)}, [TensorType(DType.i32, (3, 2))], expected=[np.tile(row, (3, 1))])


def _module(body: str, arg: str, result: str) -> str:
    return ('"builtin.module"() ({\n  "func.func"() ({\n  ^bb0(%x: ' + arg + '):\n' + body +
            '  }) {function_type = (' + arg + ') -> ' + result + ', sym_name = "main"} : () -> ()\n}) : () -> ()\n')


DYNAMIC = _module('''    %n = "tfc.get_dimension_size"(%x) {dimension = 0 : i64} : (tensor<?x4xf32>) -> tensor<i32>
    %c2 = "tfc.constant"() {value = dense<2> : tensor<i32>} : () -> tensor<i32>
    %m = "tfc.multiply"(%n, %c2) : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %m1 = "tfc.reshape"(%m) : (tensor<i32>) -> tensor<1xi32>
    %c2v = "tfc.constant"() {value = dense<2> : tensor<1xi32>} : () -> tensor<1xi32>
    %shape = "tfc.concatenate"(%m1, %c2v) {dimension = 0 : i64} : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %r = "tfc.dynamic_reshape"(%x, %shape) : (tensor<?x4xf32>, tensor<2xi32>) -> tensor<?x2xf32>
    %c1 = "tfc.constant"() {value = dense<1> : tensor<i32>} : () -> tensor<i32>
    %start = "tfc.minimum"(%c1, %n) : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %s1 = "tfc.reshape"(%start) : (tensor<i32>) -> tensor<1xi32>
    %z = "tfc.constant"() {value = dense<0> : tensor<1xi32>} : () -> tensor<1xi32>
    %starts = "tfc.concatenate"(%s1, %z) {dimension = 0 : i64} : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %m2 = "tfc.reshape"(%m) : (tensor<i32>) -> tensor<1xi32>
    %limits = "tfc.concatenate"(%m2, %c2v) {dimension = 0 : i64} : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %ones = "tfc.constant"() {value = dense<1> : tensor<2xi32>} : () -> tensor<2xi32>
    %s = "tfc.real_dynamic_slice"(%r, %starts, %limits, %ones) : (tensor<?x2xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x2xf32>
    "func.return"(%s) : (tensor<?x2xf32>) -> ()
''', "tensor<?x4xf32>", "tensor<?x2xf32>")


def test_text_round_trip_and_verify_with_unknown_dims():
    module = parse_module(DYNAMIC)
    verify(module)
    assert print_module(parse_module(print_module(module))) == print_module(module)
    assert "tensor<?x2xf32>" in print_module(module)


def test_specialization_folds_sizes_into_static_ops():
    """x[1:] of x reshaped to [-1, 2]: at 3 rows, a tfc.reshape to 6x2 and a tfc.slice of rows 1..6."""
    module = parse_module(DYNAMIC)
    specialize(module, "main", [TensorType(DType.f32, (3, 4))], "none")
    text = print_module(module)
    assert "get_dimension_size" not in text and "dynamic" not in text
    assert '"tfc.reshape"(%x) : (tensor<3x4xf32>) -> tensor<6x2xf32>' in text
    assert "start_indices = array<i64: 1, 0>" in text and "limit_indices = array<i64: 6, 2>" in text
    assert "-> tensor<5x2xf32>" in text


def test_type_rules_resolve_constant_operands_and_reject_bad_ones():
    constant_shape = _module('''    %shape = "tfc.constant"() {value = dense<[4, 2]> : tensor<2xi32>} : () -> tensor<2xi32>
    %r = "tfc.dynamic_reshape"(%x, %shape) : (tensor<?x4xf32>, tensor<2xi32>) -> tensor<?x2xf32>
    "func.return"(%r) : (tensor<?x2xf32>) -> ()
''', "tensor<?x4xf32>", "tensor<?x2xf32>")
    module = parse_module(constant_shape)
    PassManager("shape-inference").run(module)
    assert "-> tensor<4x2xf32>" in print_module(module)
    bad = DYNAMIC.replace('{dimension = 0 : i64} : (tensor<?x4xf32>) -> tensor<i32>', '{dimension = 2 : i64} : (tensor<?x4xf32>) -> tensor<i32>')
    with pytest.raises(VerifyError, match="dimension 2 is out of range"):
        verify(parse_module(bad))
    with pytest.raises(VerifyError, match="output_shape must be a 1-D integer tensor"):
        verify(parse_module(constant_shape.replace("dense<[4, 2]>", "dense<[4, 2, 1]>").replace("tensor<2xi32>", "tensor<3xi32>")))
    with pytest.raises(VerifyError, match="element counts differ"):
        verify(parse_module(constant_shape.replace("dense<[4, 2]>", "dense<[3, 2]>").replace("?x4", "2x4")))


def test_specialization_names_an_op_left_unknown():
    text = _module('''    %c = "tfc.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
    %b = "tfc.broadcast_in_dim"(%c) {broadcast_dimensions = array<i64>} : (tensor<f32>) -> tensor<?xf32>
    "func.return"(%b) : (tensor<?xf32>) -> ()
''', "tensor<?x4xf32>", "tensor<?xf32>")
    module = parse_module(text)
    with pytest.raises(SpecializeError, match="'tfc.broadcast_in_dim' .* still has an unknown dim"):
        specialize(module, "main", [TensorType(DType.f32, (3, 4))], "none")


def test_unspecialized_program_lowers_to_dynamic_stablehlo():
    """Before a call gives the shapes, the ops lower to StableHLO's dynamic forms (XLA compiles the specialized program)."""
    from tfc.backends import stablehlo_text

    text = stablehlo_text(parse_module(DYNAMIC), "main")
    for op in ("stablehlo.get_dimension_size", "stablehlo.dynamic_reshape", "stablehlo.real_dynamic_slice"):
        assert f"{op}" in text
    assert "tensor<?x2xf32>" in text
