"""Hyperparameter tuning: run trials of a training function over a search space (``tfc tune``)."""
