"""Training settings read from a file are checked in one place, each with its type and range."""

from dataclasses import fields

import pytest
from tiny import make_project

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.inference.sampling_options import SamplingOptions
from workbench.engine.training.config import ALLOWED, LARGEST_SEED, TrainConfig


def test_every_setting_has_its_rule_and_the_defaults_pass():
    assert list(ALLOWED) == [field.name for field in fields(TrainConfig)]
    assert TrainConfig.from_dict(TrainConfig().to_dict()) == TrainConfig()


@pytest.mark.parametrize(
    "settings,problem",
    [
        ({"grad_clip": float("nan")}, "the gradient clipping norm must be a finite number from 0 (off) up, not nan"),
        ({"grad_clip": -1.0}, "the gradient clipping norm must be"),
        ({"seed": 10**30}, f"the seed must be a whole number from 0 to {LARGEST_SEED:,}, not 10000"),
        ({"seed": -1}, "the seed must be"),
        ({"seed": 1.5}, "the seed must be"),
        ({"learning_rate": float("inf")}, "the learning rate must be positive and at most 1e+37, not inf"),
        ({"learning_rate": 0}, "the learning rate must be positive"),
        ({"learning_rate": "fast"}, "the learning rate must be positive"),
        ({"batch_size": True}, "the batch size must be a whole number from 1 to 2,147,483,647, not True"),
        ({"batch_size": 32.0}, "the batch size must be a whole number"),
        ({"seq_len": 0}, "the sequence length must be"),
        ({"val_every": "lots"}, "the validation interval must be a whole number of steps from 0 (never)"),
        ({"warmup_steps": 2**40}, "the warm-up must be"),
        ({"momentum": 1.0}, "the momentum must be a number from 0 to below 1, not 1.0"),
        ({"weight_decay": float("-inf")}, "the weight decay must be"),
        ({"decay_factor": 0.0}, "the step schedule's factor must be a number above 0 and up to 1"),
        ({"min_lr_ratio": 1.5}, "the cosine schedule's floor must be"),
        ({"probe_budget": 1.0}, "the probe budget must be a fraction of training time"),
        ({"sample_budget": float("nan")}, "the sample budget must be"),
        ({"sample_temperature": 0.001}, "the sampling temperature must be 0 (greedy) or a number from 0.01 to 100"),
        ({"sample_length": 10**6}, "the sample length must be"),
        ({"metrics_interval_s": 10**400}, "the metrics interval must be"),
        ({"optimizer": "adamw"}, "the optimizer must be one of adam, rmsprop, sgd, not 'adamw'"),
        ({"schedule": None}, "the schedule must be one of constant, cosine, step, not None"),
        ({"device": "gpu"}, "the device must be one of auto, cpu, cuda, not 'gpu'"),
        ({"amp": 1}, "mixed precision (amp) must be true or false, not 1"),
        ({"epochs": 3}, "unknown training setting 'epochs'"),
    ],
)
def test_a_wrong_setting_in_a_file_is_refused_in_one_line(settings, problem):
    with pytest.raises(WorkbenchError) as raised:
        TrainConfig.from_dict(settings)
    assert str(raised.value).startswith(problem) and "\n" not in str(raised.value)


def test_settings_that_are_not_a_table_are_refused():
    with pytest.raises(WorkbenchError, match="not a table"):
        TrainConfig.from_dict([("seed", 1)])


def test_whole_numbers_are_fine_for_number_settings_and_the_ends_of_ranges_are_allowed():
    config = TrainConfig.from_dict(
        {
            "learning_rate": 1,
            "grad_clip": 0,
            "sample_temperature": 0,
            "seed": LARGEST_SEED,
            "momentum": 0,
            "min_lr_ratio": 1,
            "decay_factor": 1,
            "val_every": 0,
            "amp": True,
        }
    )
    assert config.learning_rate == 1 and config.seed == LARGEST_SEED


def test_the_largest_seed_makes_sample_seeds_that_fit(lines_corpus):
    trainer = make_project(lines_corpus, seed=LARGEST_SEED).trainer()
    trainer.step = 10**9
    assert trainer.sample(SamplingOptions(length=5)).text is not None
