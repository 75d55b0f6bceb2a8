"""tfc: a compiler toolchain for dataflow graphs."""
