"""The ``tf.*`` op definitions, one module per family. Importing this package registers them all."""

from . import array, array_index, basic, control, math, math_nn, nn, state  # noqa: F401
