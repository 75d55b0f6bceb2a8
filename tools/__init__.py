"""tfc tools."""
