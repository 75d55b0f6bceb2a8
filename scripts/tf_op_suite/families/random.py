"""Random ops: the stateless family (values equal TensorFlow's: same Philox stream and distributions)
and the seeded stateful ops (equal to TensorFlow's first run); unseeded ones check shapes only."""

import numpy as np
from spec import case, const, f16, f32, family, i32v, i64v

family("random")

SEED = const(i64v([7, -3]))
SEED32 = const(i32v([12, 345]))
KEY, COUNTER, ALG = const(np.array([0x1234567890ABCDEF], np.uint64)), const(np.array([5, 2**40 + 3], np.uint64)), const(np.int32(1))
FLOATS = [np.float32, np.float64, np.float16]
FLOAT_TOLERANCE = dict(rtol=1e-5, atol=1e-5)  # sin/cos/log may round differently in the last place

for op in ["StatelessRandomUniform", "StatelessRandomNormal", "StatelessTruncatedNormal"]:
    for dtype in FLOATS:
        tolerance = {} if op == "StatelessRandomUniform" or dtype != np.float32 else FLOAT_TOLERANCE
        case(op, np.dtype(dtype).name, shape=const(i32v([3, 5])), seed=SEED, dtype=dtype, **tolerance)
    case(op, "seed_i32_odd_size", shape=const(i64v([2, 3, 3])), seed=SEED32, dtype=np.float32, **FLOAT_TOLERANCE)
    case(op, "scalar", shape=const(i32v([])), seed=SEED, dtype=np.float32, **FLOAT_TOLERANCE)
    case(op, "empty", shape=const(i32v([0, 4])), seed=SEED, dtype=np.float32)
    case(op, "fed_seed", shape=const(i32v([9])), seed=i64v([-1, 2**40]), dtype=np.float64)
    for dtype in (np.float32, np.float64):
        case(f"{op}V2", np.dtype(dtype).name, shape=const(i32v([4, 3])), key=KEY, counter=COUNTER, alg=ALG, dtype=dtype,
             **FLOAT_TOLERANCE)
    case(f"{op}V2", "auto_select", shape=const(i32v([5])), key=KEY, counter=COUNTER, alg=const(np.int32(3)), dtype=np.float32,
         **FLOAT_TOLERANCE)
case("StatelessTruncatedNormal", "many", shape=const(i32v([50, 8])), seed=SEED, dtype=np.float32, **FLOAT_TOLERANCE)
case("StatelessRandomNormalV2", "float16_int64_shape", shape=const(i64v([3, 3])), key=KEY, counter=COUNTER, alg=ALG, dtype=np.float16)
case("StatelessRandomUniformV2", "empty", shape=const(i32v([2, 0])), key=KEY, counter=COUNTER, alg=ALG, dtype=np.float32)
case("StatelessTruncatedNormal", "many_f64", shape=const(i32v([99])), seed=SEED, dtype=np.float64)

for dtype, low, high in [(np.int32, -5, 7), (np.int64, -(2**40), 2**41 + 17), (np.int32, -(2**31), 2**31 - 1)]:
    name = f"{np.dtype(dtype).name}_{'wide' if high > 2**30 else 'small'}"
    case("StatelessRandomUniformInt", name, shape=const(i32v([4, 5])), seed=SEED, minval=const(dtype(low)), maxval=const(dtype(high)))
    case("StatelessRandomUniformIntV2", name, shape=const(i32v([6])), key=KEY, counter=COUNTER, alg=ALG,
         minval=const(dtype(low)), maxval=const(dtype(high)))
case("StatelessRandomUniformInt", "fed_bounds", shape=const(i32v([7])), seed=SEED, minval=np.int32(-3), maxval=np.int32(10))
for dtype in (np.int32, np.int64, np.uint32, np.uint64):
    case("StatelessRandomUniformFullInt", np.dtype(dtype).name, shape=const(i32v([5])), seed=SEED, dtype=dtype)
    case("StatelessRandomUniformFullIntV2", np.dtype(dtype).name, shape=const(i32v([2, 3])), key=KEY, counter=COUNTER, alg=ALG,
         dtype=dtype)
case("StatelessRandomUniformFullInt", "seed_i32", shape=const(i32v([3])), seed=SEED32, dtype=np.int64)

case("StatelessRandomGetKeyCounter", "i64", seed=SEED)
case("StatelessRandomGetKeyCounter", "i32_fed", seed=i32v([-7, 99]))
case("StatelessRandomGetAlg")
case("StatelessRandomGetKeyCounterAlg", seed=SEED)

for op, seeds in [("StatelessMultinomial", dict(seed=SEED)), ("Multinomial", dict(seed=4, seed2=11))]:
    case(op, "f32", logits=f32(3, 5), num_samples=const(np.int32(6)), **seeds)
    case(op, "f64_int32", logits=np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])), num_samples=const(np.int32(4)),
         output_dtype=np.int32, **seeds)
    case(op, "non_finite", logits=np.array([[1.0, -np.inf, 2.0, np.nan], [-np.inf, 0.0, np.inf, 0.5]], np.float32),
         num_samples=const(np.int32(5)), **seeds)
    case(op, "zero_samples", logits=f32(2, 3), num_samples=const(np.int32(0)), **seeds)
    case(op, "f16_rows", logits=f16(16, 30), num_samples=const(np.int32(20)), **seeds)
case("StatelessMultinomial", "seed_i32", logits=f32(1, 4), num_samples=const(np.int32(9)), seed=SEED32, output_dtype=np.int32)

for op in ["RandomUniform", "RandomStandardNormal", "TruncatedNormal"]:
    for dtype in (np.float32, np.float64):
        case(op, np.dtype(dtype).name, shape=const(i32v([3, 4])), dtype=dtype, seed=5, seed2=9, **FLOAT_TOLERANCE)
    case(op, "seed2_only", shape=const(i64v([6])), dtype=np.float16, seed=0, seed2=77)
    case(op, "unseeded", check="shape", shape=const(i32v([2, 5])), dtype=np.float32)
    case(op, "empty", shape=const(i32v([0])), dtype=np.float32, seed=1)
case("TruncatedNormal", "many", shape=const(i32v([40, 5])), dtype=np.float32, seed=8, seed2=2, **FLOAT_TOLERANCE)
for dtype, low, high in [(np.int32, -4, 9), (np.int64, -(2**33), 2**35)]:
    case("RandomUniformInt", np.dtype(dtype).name, shape=const(i32v([2, 4])), minval=const(dtype(low)), maxval=const(dtype(high)),
         seed=3, seed2=1)
case("RandomUniformInt", "unseeded", check="shape", shape=const(i32v([3])), minval=const(np.int32(0)), maxval=const(np.int32(10)))

case("RandomShuffle", "matrix", value=f32(6, 2), seed=1, seed2=2)
case("RandomShuffle", "vector_i64", value=i64v(np.arange(30)), seed=1)
case("RandomShuffle", "unseeded", check="shape", value=f32(4, 3))
case("RandomShuffle", "one_row", value=f32(1, 3), seed=1)
case("RandomShuffle", "scalar", value=np.float32(4.5), seed=1)
