"""The ``tf.*`` op definitions, one module per family. Importing this package registers them all."""

from . import basic  # noqa: F401
