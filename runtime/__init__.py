"""tfc runtime."""
