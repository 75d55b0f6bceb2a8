"""tfc passes: one module per pass. Importing this package registers them with the pass manager."""

from . import (  # noqa: F401
    backend_lowering,
    canonicalize,
    cse,
    dce,
    fold,
    lift_variables,
    partition,
    place,
    place_tasks,
    prune,
    schedule,
    shape_inference,
    shard_batch,
    simplify,
)
