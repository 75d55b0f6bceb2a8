"""tfc frontend."""
