"""Sampling options the sampler cannot honour are refused in words, before a token is written."""

import pytest

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.inference.sampling_options import SamplingOptions


@pytest.mark.parametrize(
    "options, message",
    [
        (SamplingOptions(temperature=float("nan")), "the temperature must be 0 (greedy) or from 0.01 to 100, not nan"),
        (SamplingOptions(temperature=float("inf")), "the temperature must be 0 (greedy) or from 0.01 to 100, not inf"),
        (SamplingOptions(temperature=1e-40), "the temperature must be 0 (greedy) or from 0.01 to 100"),
        (
            SamplingOptions(length=10**9),
            "the sample length must be at least 1 token and at most 100,000, not 1000000000",
        ),
        (SamplingOptions(seed=10**30), "the seed must be from 0 to 18,446,744,073,709,551,615"),
        (SamplingOptions(seed=-1), "the seed must be from 0 to"),
        (SamplingOptions(repetition_penalty=0.5), "the repetition penalty must be from 1 (off) to 10, not 0.5"),
        (SamplingOptions(repetition_penalty=0), "the repetition penalty must be from 1 (off) to 10, not 0"),
        (SamplingOptions(repetition_penalty=11), "the repetition penalty must be from 1 (off) to 10, not 11"),
        (
            SamplingOptions(repetition_penalty=float("nan")),
            "the repetition penalty must be from 1 (off) to 10, not nan",
        ),
    ],
)
def test_options_out_of_range_are_refused(options, message):
    with pytest.raises(WorkbenchError) as caught:
        options.check()
    assert str(caught.value).startswith(message)


def test_the_ends_of_the_ranges_are_accepted():
    for options in (
        SamplingOptions(length=100_000, temperature=100.0, seed=2**64 - 1, repetition_penalty=10.0),
        SamplingOptions(length=1, temperature=0.01, seed=0, repetition_penalty=1.0),
        SamplingOptions(temperature=0),
    ):
        assert options.check() is options


def test_the_trainer_refuses_a_bad_seed_in_words_before_seeding(lines_corpus):
    from tiny import make_project

    with pytest.raises(WorkbenchError, match="the seed must be from 0 to"):
        make_project(lines_corpus).trainer().sample(SamplingOptions(length=3, seed=2**70))
