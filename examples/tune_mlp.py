"""Tune a small MLP's learning rate and width with tfc.tuning (TPE, two worker processes, median pruning).

    python examples/tune_mlp.py            # then: tensorboard --logdir runs/tune_mlp  (the HPARAMS tab)
    tfc tune examples/tune_mlp.toml        # the same study from the command line

Each trial trains a one-hidden-layer regression MLP with a compiled training loop (25 SGD steps per
call, one tfc.fori_loop), reports the training loss after every call (so poor trials stop early),
and returns the validation loss. The learning rate is an argument of the compiled loop, so only a
new width compiles a new program.
"""

import sys
import tempfile

import numpy as np

import tfc
import tfc.tuning as tuning

STEPS_PER_CALL = 25
CALLS = 6
SPACE = {"learning_rate": tuning.LogUniform(1e-3, 0.5), "units": tuning.Choice([4, 32])}


def data(seed: int = 0, rows: int = 256):
    """A smooth nonlinear target of two inputs: train and validation halves."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (rows, 2)).astype(np.float32)
    y = (np.sin(3.0 * x[:, :1]) + x[:, 1:] ** 2).astype(np.float32)
    half = rows // 2
    return (x[:half], y[:half]), (x[half:], y[half:])


def mse(params, x, y):
    w1, b1, w2, b2 = params
    hidden = tfc.tanh(tfc.matmul(x, w1) + b1)
    return tfc.mean(tfc.square(tfc.matmul(hidden, w2) + b2 - y))


@tfc.compile
def train_steps(params, x, y, learning_rate):
    """STEPS_PER_CALL steps of gradient descent in one compiled loop; returns the params and the last loss."""

    def step(_, state):
        params, _loss = state
        loss, grads = tfc.value_and_grad(mse)(params, x, y)
        return tuple(p - learning_rate * g for p, g in zip(params, grads, strict=True)), loss

    return tfc.fori_loop(0, STEPS_PER_CALL, step, (params, tfc.zeros_like(learning_rate)))


@tfc.compile
def evaluate(params, x, y):
    return mse(params, x, y)


def init(units: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 1.0, (2, units)).astype(np.float32), np.zeros(units, np.float32),
            rng.normal(0, 1.0 / np.sqrt(units), (units, 1)).astype(np.float32), np.zeros(1, np.float32))


def train(hparams, report):
    """One trial: train, report the training loss after every compiled call, return the validation loss."""
    (x, y), (x_val, y_val) = data()
    params = init(hparams["units"])
    learning_rate = np.float32(hparams["learning_rate"])
    for call in range(CALLS):
        params, loss = train_steps(params, x, y, learning_rate)
        report((call + 1) * STEPS_PER_CALL, float(loss))
    return float(evaluate(params, x_val, y_val))


def main(max_trials: int = 10, parallel: int = 2, logdir: str | None = None, verbose: bool = True):
    logdir = logdir or tempfile.mkdtemp(prefix="tune_mlp_")
    result = tuning.tune(train, SPACE, objective="loss", method="tpe", max_trials=max_trials, parallel=parallel, logdir=logdir,
                         early_stopping={"n_startup_trials": 3, "n_warmup_steps": STEPS_PER_CALL},
                         on_trial=(lambda t: print(t.number, t.state, t.value, t.hparams)) if verbose else None)
    if verbose:
        print(f"best: loss {result.best_value:.4f} with {result.best_hparams} ({len(result.trials)} trials, logdir {logdir})")
    return result


if __name__ == "__main__":
    main(logdir=sys.argv[1] if len(sys.argv) > 1 else "runs/tune_mlp")
