"""tfc passes."""
