"""tfc passes: one module per pass. Importing this package registers them with the pass manager."""

from . import canonicalize, cse, dce, fold, lift_variables, partition, place, prune, schedule, shape_inference, shard_batch, simplify  # noqa: F401
