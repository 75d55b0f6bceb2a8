"""Op definitions. Importing this package registers every op in the default registry."""

from . import builtin, elementwise  # noqa: F401
