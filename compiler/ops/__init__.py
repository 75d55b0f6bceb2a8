"""Op definitions. Importing this package registers every op in the default registry."""

from . import (  # noqa: F401
    bitwise,
    builtin,
    collectives,
    complex,
    control_flow,
    elementwise,
    factorizations,
    fft,
    gather_scatter,
    linalg,
    reduction,
    shape,
    special,
    state,
    summaries,
    transfer,
    trigonometry,
)
