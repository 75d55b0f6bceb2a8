"""The ``tf.*`` dialect: its op definitions, one module per family, and its rewrite-rule table.
Importing this package registers them all (the registry does, through the ``tfc.dialects`` entry point)."""

from .. import rules  # noqa: F401 - the tf rule table, applied by simplify to the ops defined here
from . import (  # noqa: F401
    array,
    array_index,
    basic,
    binning,
    bitwise,
    case,
    complex,
    control,
    cross,
    cumulative,
    fused,
    linspace,
    lists,
    math,
    math_grad,
    math_nn,
    nn,
    predicates,
    safe_math,
    special,
    state,
    tensor_array,
    trigonometry,
)
