"""``tfc tune CONFIG``: hyperparameter tuning from a config file (see :mod:`tfc.tuning.config`).

    tfc tune tune.toml
    trial 0: COMPLETE loss=0.4183 learning_rate=0.00312 units=64
    ...
    best: trial 7 loss=0.0121 learning_rate=0.0204 units=64

One line per finished trial and the best; a bad config is one error line naming the key (exit 1).
Rerunning with the same logdir resumes the study.
"""

from __future__ import annotations

import sys

import click

from tfc.diagnostics import TfcError

from .cli_support import fail


def _format(hparams: dict) -> str:
    return " ".join(f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}" for name, value in hparams.items())


def _line(trial, objective: str) -> str:
    value = f" {objective}={trial.value:.6g}" if trial.value is not None else ""
    error = f" ({trial.error})" if trial.error else ""
    return f"trial {trial.number}: {trial.state}{value} {_format(trial.hparams)}{error}"


@click.command("tune")
@click.argument("config", type=click.Path(dir_okay=False))
def tune(config: str) -> None:
    """Tune hyperparameters: run the trials CONFIG (TOML or JSON) describes, print each and the best."""
    from tfc.tuning import tune as run_tune  # here, so other commands start without importing optuna
    from tfc.tuning.config import load_config

    try:
        spec = load_config(config)
    except TfcError as err:
        fail(err)
    objective = spec.options.get("objective", "loss")
    sys.path.insert(0, spec.folder)  # the training module sits next to the config (spawned workers inherit sys.path)
    try:
        result = run_tune(spec.train, spec.space, on_trial=lambda t: click.echo(_line(t, objective)), **spec.options)
    except (TypeError, ValueError) as err:
        fail(TfcError(f"{config}: error: {str(err).splitlines()[0]}"))
    finally:
        sys.path.remove(spec.folder)
    if result.best_trial is None:
        fail(TfcError(f"{config}: error: no trial completed"))
    click.echo(f"best: trial {result.best_trial} {objective}={result.best_value:.6g} {_format(result.best_hparams)}")


__all__ = ["tune"]
