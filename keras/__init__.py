"""``tfc.keras``: tf.keras 2.x's layers, models and training loop, compiled by tfc. A model's whole
training step (forward, loss, gradients, optimizer update, metric sums) is one tfc program, one XLA
executable, one dispatch per batch (``model.train_step_ir(x, y)`` prints it)."""

from . import activations, callbacks, constraints, initializers, layers, losses, metrics, models, optimizers, regularizers, saving, utils
from .models import Input, Model, Sequential

__all__ = ["Input", "Model", "Sequential", "activations", "callbacks", "constraints", "initializers", "layers", "losses", "metrics",
           "models", "optimizers", "regularizers", "saving", "utils"]
