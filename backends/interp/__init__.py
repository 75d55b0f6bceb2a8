"""tfc backends/interp."""
