"""The ``tf.*`` op definitions, one module per family. Importing this package registers them all."""

from . import array, array_index, basic, case, control, fused, lists, math, math_nn, nn, state, tensor_array  # noqa: F401
