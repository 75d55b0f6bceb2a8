"""backend-lowering: depthwise convolutions (channel multipliers and one-channel inputs included) become
shifted multiply-adds on CPU with the same values (interpreter and XLA, NHWC and NCHW, strides,
padding, dilation); other convolutions, other platforms and `platform=none` keep the op."""

import numpy as np
import pytest

from tfc.backends import load
from tfc.builder import Builder
from tfc.ir import Function, Module
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.types import DType, FunctionType, TensorType


def conv_module(x_shape, k_shape, *, nchw=False, strides=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=None):
    """A function computing one 2-D convolution (TensorFlow's HWIO kernel layout)."""
    x_type, k_type = TensorType(DType.f32, x_shape), TensorType(DType.f32, k_shape)
    module = Module.create()
    function = Function.create("main", [x_type, k_type], [], ["x", "k"])
    module.add_function(function)
    batch, feature, spatial = (0, 1, (2, 3)) if nchw else (0, 3, (1, 2))
    attrs = {"window_strides": strides, "padding": padding, "lhs_dilation": (1, 1), "rhs_dilation": dilation,
             "feature_group_count": groups or x_shape[feature], "batch_group_count": 1,
             "input_batch_dimension": batch, "input_feature_dimension": feature, "input_spatial_dimensions": spatial,
             "kernel_input_feature_dimension": 2, "kernel_output_feature_dimension": 3, "kernel_spatial_dimensions": (0, 1),
             "output_batch_dimension": batch, "output_feature_dimension": feature, "output_spatial_dimensions": spatial}
    builder = Builder(function.body)
    result = builder.value("tfc.convolution", *function.args, **attrs)
    builder.create("func.return", [result], {}, [])
    function.set_type(FunctionType((x_type, k_type), (result.type,)))
    return module


def inputs(x_shape, k_shape):
    rng = np.random.default_rng(1)
    return rng.normal(size=x_shape).astype(np.float32), rng.normal(size=k_shape).astype(np.float32)


CASES = [
    dict(x_shape=(2, 9, 9, 8), k_shape=(3, 3, 1, 8)),
    dict(x_shape=(2, 9, 9, 8), k_shape=(3, 3, 1, 8), strides=(2, 2), padding=(1, 1, 1, 1)),
    dict(x_shape=(1, 10, 7, 4), k_shape=(3, 2, 1, 4), padding=(2, 0, 1, 1), dilation=(2, 1)),
    dict(x_shape=(2, 6, 8, 8), k_shape=(5, 5, 1, 6), nchw=True, padding=(2, 2, 2, 2)),
    dict(x_shape=(1, 6, 6, 4), k_shape=(3, 3, 1, 8)),  # channel multiplier 2
    dict(x_shape=(2, 3, 7, 6), k_shape=(3, 2, 1, 9), nchw=True, strides=(2, 1), padding=(1, 0, 1, 1)),  # multiplier 3
    dict(x_shape=(3, 9, 9, 1), k_shape=(3, 3, 1, 5)),  # a one-channel input (grey images into a first layer)
    dict(x_shape=(2, 1, 8, 7), k_shape=(5, 5, 1, 4), nchw=True, padding=(2, 2, 2, 2)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c["x_shape"])) + ("-nchw" if c.get("nchw") else ""))
def test_depthwise_convolutions_become_multiply_adds_with_the_same_values(case):
    args = inputs(case["x_shape"], case["k_shape"])
    expected = load(conv_module(**case), backend="interp").call(*args)[0]
    module = conv_module(**case)
    PassManager("backend-lowering{platform=cpu}", verify_each=True).run(module)
    text = print_module(module)
    assert "tfc.convolution" not in text and text.count('"tfc.multiply"') == np.prod(case["k_shape"][:2])
    for backend in ("interp", "xla"):
        np.testing.assert_allclose(np.asarray(load(module, backend=backend).call(*args)[0]), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case,pipeline", [
    (dict(x_shape=(1, 6, 6, 4), k_shape=(3, 3, 4, 8), groups=1), "backend-lowering{platform=cpu}"),  # a dense convolution
    (dict(x_shape=(1, 12, 12, 1), k_shape=(7, 7, 1, 8)), "backend-lowering{platform=cpu}"),  # one channel, 49 taps: Eigen's
    (dict(x_shape=(1, 20, 20, 4), k_shape=(9, 9, 1, 4)), "backend-lowering{platform=cpu}"),  # 81 taps: more than the cap
    (dict(x_shape=(1, 6, 6, 4), k_shape=(3, 3, 1, 4)), "backend-lowering{platform=gpu}"),
    (dict(x_shape=(1, 6, 6, 4), k_shape=(3, 3, 1, 4)), "backend-lowering{platform=none}"),
])
def test_other_convolutions_and_platforms_keep_the_op(case, pipeline):
    module = conv_module(**case)
    PassManager(pipeline, verify_each=True).run(module)
    assert print_module(module).count('"tfc.convolution"') == 1


def test_a_bad_platform_is_a_pipeline_error():
    from tfc.passmanager import PassFailedError

    with pytest.raises(PassFailedError, match="backend-lowering: unknown platform 'npu'"):
        PassManager("backend-lowering{platform=npu}").run(conv_module((1, 4, 4, 2), (3, 3, 1, 2)))


def test_the_corpus_mobilenet_gives_tensorflows_numbers_through_the_rewrite():
    """A GraphSession on XLA:CPU runs backend-lowering: MobileNetV2's 17 depthwise convolutions."""
    import json

    from tfc.runtime.graph_session import GraphSession

    case_dir = "tests/data/corpus/mobilenetv2_a035_96"
    case = json.load(open(f"{case_dir}/case.json"))
    data, expected = np.load(f"{case_dir}/inputs.npz"), np.load(f"{case_dir}/expected.npz")
    session = GraphSession.from_file(f"{case_dir}/graph.pb")
    outs = session.run(case["fetches"], {name: data[key] for name, key in case["feeds"].items()})
    for fetch, value in zip(case["fetches"], outs):
        np.testing.assert_allclose(value, expected[case["expected_keys"][fetch]], rtol=case["rtol"], atol=case["atol"])
    assert session.cleanup.split(",")[-2] == "backend-lowering{platform=cpu}"
