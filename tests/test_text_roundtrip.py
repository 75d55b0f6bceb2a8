"""The text form always parses back: ``print(parse(print(m))) == print(m)``.

Hypothesis builds random modules — functions with random argument types, chains of registered
elementwise ops (chosen from the registry by trait), constants of every dtype with nan/inf/-0.0,
attributes of every kind on discardable keys and on unregistered ops, odd name hints and locations
— and checks the round trip. Every golden file that parses must round-trip too.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfc.attributes import (
    ArrayAttr,
    BoolAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DictAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
)
from tfc.builder import Builder
from tfc.diagnostics import ParseError, VerifyError
from tfc.ir import Block, Function, Module, Operation, Region
from tfc.location import UNKNOWN, FileLineColLoc, NameLoc
from tfc.parser import parse_module
from tfc.printer import DIGEST_ELIDE_ABOVE, module_digest, print_module
from tfc.registry import REGISTRY, Trait
from tfc.types import DType, FunctionType, ResourceType, TensorType, TokenType
from tfc.verifier import verify

from .test_golden import golden_files

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def roundtrip(module: Module) -> str:
    """Print, parse, print again; assert both texts are equal and return the text."""
    text = print_module(module)
    again = print_module(parse_module(text))
    assert again == text
    return text


# ---- strategies: names, locations, types -----------------------------------------------------------
ODD_TEXT = st.text(alphabet=st.sampled_from('ab_x.$-019 "\\\n\t\x00\x7f/é€😀{}()%^@:,\udcff\ud800'), max_size=8)

name_hints = st.one_of(st.none(), st.sampled_from(["x", "x", "x_1", "v1", "1", "0", "arg0", "a.b", "a-b"]), ODD_TEXT)

locations = st.recursive(
    st.one_of(
        st.just(UNKNOWN),
        st.builds(FileLineColLoc, ODD_TEXT, st.integers(0, 10**6), st.integers(0, 999)),
        st.builds(NameLoc, ODD_TEXT),
    ),
    lambda child: st.builds(NameLoc, ODD_TEXT, child),
    max_leaves=3,
)

ALL_DTYPES = list(DType)
REAL_DTYPES = [d for d in DType if not d.is_complex]
shapes = st.one_of(
    st.none(),
    st.lists(st.one_of(st.integers(0, 4), st.none()), max_size=3).map(tuple),
)
tensor_types = st.builds(TensorType, st.sampled_from(ALL_DTYPES), shapes)
any_types = st.one_of(tensor_types, st.just(TokenType()), st.just(ResourceType()))
function_types = st.builds(
    FunctionType,
    st.lists(any_types, max_size=3).map(tuple),
    st.lists(any_types, max_size=2).map(tuple),
)


# ---- strategies: values and attributes ---------------------------------------------------------------
SPECIAL_FLOATS = [0.0, -0.0, 1.0, -1.5, 0.1, 1e-8, 3.0e38, 65504.0, math.inf, -math.inf, math.nan]


def float_values(dtype: DType):
    width = 16 if dtype in (DType.f16, DType.bf16) else (32 if dtype is DType.f32 else 64)
    return st.one_of(st.sampled_from(SPECIAL_FLOATS), st.floats(width=width, allow_subnormal=True))


def int_values(dtype: DType):
    info = np.iinfo(dtype.numpy)
    return st.integers(int(info.min), int(info.max))


def scalars(dtype: DType):
    """Python values that fit ``dtype`` exactly."""
    if dtype is DType.bool:
        return st.booleans()
    if dtype.is_int:
        return int_values(dtype)
    if dtype.is_complex:
        part = DType.f32 if dtype is DType.c64 else DType.f64
        return st.builds(complex, float_values(part), float_values(part))
    return float_values(dtype)


@st.composite
def arrays(draw, dtype: DType | None = None):
    """A small numpy array of any dtype (bf16 included), sometimes a splat, sometimes over the hex threshold."""
    dtype = dtype or draw(st.sampled_from(ALL_DTYPES))
    shape = tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
    size = int(np.prod(shape)) if shape else 1
    if draw(st.booleans()):
        values = [draw(scalars(dtype))] * size
    else:
        values = draw(st.lists(scalars(dtype), min_size=size, max_size=size))
    with np.errstate(all="ignore"):
        if dtype is DType.bf16:
            return np.array(values, dtype=np.float32).astype(ml_dtypes.bfloat16).reshape(shape)
        return np.array(values, dtype=dtype.numpy).reshape(shape)


def dense_attrs():
    return arrays().map(DenseElementsAttr.from_array)


@st.composite
def dense_array_attrs(draw):
    dtype = draw(st.sampled_from(REAL_DTYPES))
    return DenseArrayAttr(dtype, tuple(draw(st.lists(scalars(dtype), max_size=5))))


@st.composite
def integer_attrs(draw):
    dtype = draw(st.sampled_from([d for d in DType if d.is_int]))
    return IntegerAttr(draw(int_values(dtype)), dtype)


@st.composite
def float_attrs(draw):
    dtype = draw(st.sampled_from([d for d in DType if d.is_float]))
    return FloatAttr(draw(float_values(dtype)), dtype)


attr_keys = st.one_of(st.sampled_from(["a", "b", "x.y", "_k", "with space", "7up", ""]), ODD_TEXT)
leaf_attributes = st.one_of(
    integer_attrs(),
    float_attrs(),
    st.builds(BoolAttr, st.booleans()),
    st.builds(StringAttr, ODD_TEXT),
    st.just(UnitAttr()),
    dense_array_attrs(),
    st.builds(TypeAttr, st.one_of(any_types, function_types)),
    st.builds(SymbolRefAttr, st.one_of(st.sampled_from(["main", "f.g", "_x$1"]), ODD_TEXT)),
    dense_attrs(),
)
attributes = st.recursive(
    leaf_attributes,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: ArrayAttr(tuple(xs))),
        st.dictionaries(attr_keys, inner, max_size=3).map(lambda d: DictAttr(tuple(sorted(d.items())))),
    ),
    max_leaves=5,
)
discardable_attrs = st.dictionaries(attr_keys.map(lambda k: "_" + k), attributes, max_size=3)


# ---- strategies: modules -----------------------------------------------------------------------------
def elementwise_ops():
    """Registered elementwise ops whose required attributes can be drawn from declared choices."""
    found = []
    for opdef in REGISTRY:
        if not opdef.has(Trait.ELEMENTWISE) or any(n.endswith("*") for n in opdef.operands):
            continue
        required = {k: s for k, s in opdef.attributes.items() if s.required}
        if all(s.choices for s in required.values()):
            found.append(opdef)
    return found


@st.composite
def modules(draw, max_ops: int = 8):
    module = Module.create(location=draw(locations))
    for index in range(draw(st.integers(1, 2))):
        module.add_function(draw(functions(f"f{index}", max_ops)))
    return module


@st.composite
def functions(draw, name: str, max_ops: int):
    arg_types = draw(st.lists(tensor_types, min_size=1, max_size=3))
    arg_names = draw(st.lists(name_hints, min_size=len(arg_types), max_size=len(arg_types)))
    function = Function.create(name, arg_types, [], arg_names, draw(locations))
    values = list(function.args)
    builder = Builder(function.body)
    for _ in range(draw(st.integers(0, max_ops))):
        choice = draw(st.sampled_from(["op", "op", "op", "constant", "unregistered"]))
        if choice == "constant":
            op = builder.create("tfc.constant", (), {"value": draw(dense_attrs()), **draw(discardable_attrs)}, location=draw(locations), name_hint=draw(name_hints))
        elif choice == "unregistered":
            op = draw(unregistered_ops(values))
            function.body.append(op)
        else:
            op = draw(registered_op(builder, values))
        if op is not None:
            values.extend(op.results)
    returned = draw(st.lists(st.sampled_from(values), max_size=2))
    builder.create("func.return", returned, location=draw(locations))
    function.set_type(FunctionType(tuple(arg_types), tuple(v.type for v in returned)))
    return function


@st.composite
def registered_op(draw, builder: Builder, values):
    """One elementwise op on existing values (same-typed operands preferred); None if the types do not fit."""
    opdef = draw(st.sampled_from(elementwise_ops()))
    tensors = [v for v in values if isinstance(v.type, TensorType)]
    if not tensors:
        return None
    first = draw(st.sampled_from(tensors))
    same = [v for v in values if v.type == first.type]
    operands = [first] + [draw(st.sampled_from(same)) for _ in opdef.operands[1:]]
    attrs = {k: draw(st.sampled_from(s.choices)) for k, s in opdef.attributes.items() if s.required}
    attrs.update(draw(discardable_attrs))
    location, hint = draw(locations), draw(name_hints)
    try:
        return builder.create(opdef.name, operands, attrs, location=location, name_hint=hint)
    except VerifyError:
        pass
    result_type = TensorType(draw(st.sampled_from(ALL_DTYPES)), first.type.shape)
    try:
        return builder.create(opdef.name, operands, attrs, [result_type], location=location, name_hint=hint)
    except VerifyError:
        return None


@st.composite
def unregistered_ops(draw, values, depth: int = 0):
    """A ``test.*`` op with random attributes, results, and maybe regions whose blocks use outer values."""
    operands = draw(st.lists(st.sampled_from(values), max_size=2))
    result_types = draw(st.lists(any_types, max_size=2))
    regions = []
    for _ in range(draw(st.integers(0, 2 if depth == 0 else 0))):
        blocks = []
        for _ in range(draw(st.integers(1, 2))):
            block = Block(draw(st.lists(any_types, max_size=2)))
            for arg in block.args:
                arg.name_hint = draw(name_hints)
            inner = list(values) + list(block.args)
            for _ in range(draw(st.integers(0, 2))):
                op = draw(unregistered_ops(inner, depth + 1))
                block.append(op)
                inner.extend(op.results)
            blocks.append(block)
        regions.append(Region(blocks))
    attrs = draw(st.dictionaries(attr_keys, attributes, max_size=3))
    names = [draw(name_hints) for _ in result_types]
    name = draw(st.sampled_from(["test.op", "test.a$b", "x.y.z", "_t.op"]))
    return Operation(name, operands, result_types, attrs, regions, draw(locations), names)


# ---- tests -----------------------------------------------------------------------------------------
@SETTINGS
@given(modules())
def test_random_modules_round_trip(module):
    verify(module, allow_unregistered=True)
    roundtrip(module)


@settings(max_examples=150, deadline=None)
@given(attributes)
def test_every_attribute_round_trips(attribute):
    module = Module.create()
    module.body.append(Operation("test.holder", attributes={"a": attribute}))
    text = roundtrip(module)
    reparsed = parse_module(text).body.ops[0].attributes["a"]
    assert str(reparsed) == str(attribute)


@settings(max_examples=80, deadline=None)
@given(arrays())
def test_dense_constants_keep_their_bits(array):
    """Values survive exactly (nan payloads aside): compare the raw bytes after one round trip."""
    attribute = DenseElementsAttr.from_array(array)
    module = Module.create()
    module.body.append(Operation("test.holder", attributes={"v": attribute}))
    back = parse_module(roundtrip(module)).body.ops[0].attributes["v"].array
    assert back.dtype == array.dtype and back.shape == array.shape
    if array.dtype.kind in "fc" or array.dtype == ml_dtypes.bfloat16:
        as_wide = np.complex128 if array.dtype.kind == "c" else np.float64
        np.testing.assert_array_equal(back.astype(as_wide), array.astype(as_wide))  # nan == nan here
        assert np.array_equal(np.signbit(back.real.astype(np.float64)), np.signbit(array.real.astype(np.float64)))
    else:
        assert back.tobytes() == array.tobytes()


@settings(max_examples=60, deadline=None)
@given(st.lists(name_hints, min_size=1, max_size=6))
def test_duplicate_and_odd_name_hints_are_uniqued(hints):
    t = TensorType(DType.f32, ())
    function = Function.create("main", [t], [t], ["x"])
    builder = Builder(function.body)
    value = function.args[0]
    for hint in hints:
        value = builder.create("tfc.negate", [value], name_hint=hint).result
    builder.create("func.return", [value])
    module = Module.create()
    module.add_function(function)
    text = roundtrip(module)
    defined = [line.split(" = ")[0].strip() for line in text.splitlines() if " = " in line and '"tfc.negate"' in line]
    assert len(defined) == len(set(defined)) == len(hints)


def _golden_chunks():
    from tfc.tools.cli import split_chunks

    for path in golden_files():
        for index, chunk in enumerate(split_chunks(path.read_text())):
            yield pytest.param(path, chunk, id=f"{path.relative_to(path.parents[1]).as_posix()}#{index}")


@pytest.mark.parametrize("path, chunk", list(_golden_chunks()))
def test_golden_files_round_trip(path, chunk):
    """Every golden chunk that parses prints back the same after a second parse; chunks that do not
    parse belong to files that expect failure."""
    try:
        module = parse_module(chunk, str(path))
    except ParseError:
        assert "not tfc" in path.read_text(), f"{path} has a chunk that does not parse but expects success"
        return
    roundtrip(module)


# ---- module_digest: what compile caches key on -------------------------------------------------------
def holder_module(*arrays) -> Module:
    module = Module.create()
    for array in arrays:
        module.body.append(Operation("test.holder", attributes={"v": DenseElementsAttr.from_array(array)}))
    return module


@settings(max_examples=60, deadline=None)
@given(st.lists(arrays(), min_size=1, max_size=3), st.lists(arrays(), min_size=1, max_size=3))
def test_digest_is_equal_exactly_when_the_full_text_is(first, second):
    a, b = holder_module(*first), holder_module(*second)
    assert (module_digest(a) == module_digest(b)) == (print_module(a) == print_module(b))


def test_digest_tells_large_constants_apart_by_value_and_order():
    big = np.arange(DIGEST_ELIDE_ABOVE * 2, dtype=np.float32)
    other = big.copy()
    other[-1] = -0.0
    digests = {module_digest(m) for m in (holder_module(big), holder_module(other), holder_module(big, other),
                                          holder_module(other, big), holder_module(np.zeros_like(big)))}
    assert len(digests) == 5
    assert module_digest(holder_module(big)) == module_digest(holder_module(big.copy()))
