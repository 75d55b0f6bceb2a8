"""The ``tf.*`` dialect: its op definitions, one module per family, and its rewrite-rule table.
Importing this package registers them all (the registry does, through the ``tfc.dialects`` entry point)."""

from .. import gradients_op, rules  # noqa: F401 - TfcGradients; the tf rule table, applied by simplify to the ops defined here
from . import (  # noqa: F401
    array,
    array_index,
    basic,
    case,
    color,
    control,
    creation,
    crop_and_resize,
    data_dependent,
    fused,
    image,
    lists,
    math,
    math_nn,
    matrix,
    nn,
    optimizers,
    non_max_suppression,
    patches,
    random,
    reorder,
    scatter,
    search,
    segment,
    space_batch,
    state,
    tensor_array,
    variable_writes,
)
