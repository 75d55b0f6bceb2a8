"""tfc backends."""
