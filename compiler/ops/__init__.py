"""Op definitions. Importing this package registers every op in the default registry."""

from . import builtin, control_flow, elementwise, factorizations, gather_scatter, graph, linalg, reduction, shape, state  # noqa: F401
