"""The ``tf.*`` dialect: its op definitions, one module per family, and its rewrite-rule table.
Importing this package registers them all (the registry does, through the ``tfc.dialects`` entry point)."""

from .. import rules  # noqa: F401 - the tf rule table, applied by simplify to the ops defined here
from . import (  # noqa: F401
    array,
    array_grad,
    array_index,
    basic,
    case,
    control,
    elementwise_grad,
    fused,
    lists,
    math,
    math_nn,
    nn,
    nn_grad,
    nn_grad_argmax,
    nn_grad_dilation,
    nn_grad_fractional,
    state,
    tensor_array,
)
