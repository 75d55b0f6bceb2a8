"""The ``tf.*`` op definitions, one module per family. Importing this package registers them all."""

from . import array, basic, control, math, nn, state  # noqa: F401
