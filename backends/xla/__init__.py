"""tfc backends/xla."""
