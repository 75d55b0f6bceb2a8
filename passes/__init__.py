"""tfc passes: one module per pass. Importing this package registers them with the pass manager."""

from . import cse, dce, lift_variables  # noqa: F401
