"""examples/tune_mlp.py: TPE tunes a compiled MLP's learning rate and width."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "examples"))
import tune_mlp


def test_tune_mlp_finds_a_good_learning_rate(tmp_path):
    result = tune_mlp.main(max_trials=5, parallel=1, logdir=str(tmp_path), verbose=False)
    assert len(result.trials) == 5 and (tmp_path / "trial_4").is_dir()
    worst = max(t.value for t in result.trials if t.value is not None)
    assert result.best_value < 0.2 and result.best_value < worst  # predicting the mean scores 0.56


def test_the_example_config_loads():
    from tfc.tuning.config import load_config

    spec = load_config(str(Path(__file__).parents[2] / "examples" / "tune_mlp.toml"))
    assert spec.train == "tune_mlp:train" and spec.space == tune_mlp.SPACE
    assert spec.options["logdir"].endswith("examples/runs/tune_mlp") and spec.options["parallel"] == 2
