"""The built-in handwriting: deterministic, pen-like, and in hands that differ between writers."""

from __future__ import annotations

import string
from dataclasses import replace

import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.handwriting.strokes import offsets_to_strokes, slant_degrees
from workbench.engine.data.handwriting.synthetic import WriterStyle, synthesize_corpus, write_line

PLAIN = WriterStyle(
    face="scripts",
    slant=10.0,
    width=1.0,
    size=16.0,
    letter_gap=0.1,
    word_gap=0.6,
    joins=0.8,
    drift=0.1,
    jitter=0.2,
    smoothing=3,
    pen_step=3.6,
)

PANGRAM_LINES = [
    "the quick brown fox",
    "jumps over the lazy dog",
    "pack my box with",
    "five dozen liquor jugs",
    "sphinx of black quartz",
    "judge my vow",
    "how vexingly quick",
    "daft zebras jump",
]


@pytest.fixture(scope="module")
def corpus():
    return synthesize_corpus(120, seed=3, writers=10)


def test_the_same_seed_writes_the_same_lines(corpus):
    again = synthesize_corpus(120, seed=3, writers=10)
    for first, second in zip(corpus, again):
        np.testing.assert_array_equal(first.points, second.points)
        assert (first.text, first.writer) == (second.text, second.writer)
    other = synthesize_corpus(3, seed=4, writers=10)
    assert [s.text for s in other] != [s.text for s in corpus[:3]]


def test_lines_are_a_few_words_at_tablet_density(corpus):
    sizes = np.array([len(sample.points) for sample in corpus])
    assert 250 <= np.median(sizes) <= 700 and sizes.max() < 1500
    for sample in corpus:
        assert sample.points.dtype == np.float32 and sample.points.shape[1] == 3
        assert sample.points[-1, 2] == 1.0 and set(np.unique(sample.points[:, 2])) == {0.0, 1.0}
        assert 2 <= len(sample.text.split()) <= 6 and set(sample.text) <= set(string.ascii_letters + " ,.")
        steps = np.hypot(sample.points[1:, 0], sample.points[1:, 1])[sample.points[:-1, 2] == 0]
        assert 1.0 < np.median(steps) < 8.0  # pen-down moves of a few units
    assert sorted({s.writer for s in corpus}) == [f"synthetic-{i:03d}" for i in range(10)]


def test_ascenders_rise_and_descenders_hang_with_y_pointing_down():
    """A line starts at the first letter's entry, half way up: ascenders go far above, descenders below."""
    rng = np.random.default_rng(0)
    tall = np.concatenate(offsets_to_strokes(write_line("hill lit", PLAIN, rng).points))[:, 1]
    assert -tall.min() > 1.8 * tall.max()
    hanging = np.concatenate(offsets_to_strokes(write_line("gig ping", PLAIN, rng).points))[:, 1]
    assert hanging.max() > 1.8 * -hanging.min()


@pytest.mark.parametrize("slant", [-8.0, 5.0, 20.0, 35.0])
def test_the_writer_slant_is_the_slant_of_the_writing(slant):
    rng = np.random.default_rng(7)
    style = replace(PLAIN, slant=slant)
    measured = [slant_degrees(write_line(text, style, rng).points) for text in PANGRAM_LINES]
    assert np.median(measured) == pytest.approx(slant, abs=4.0)


def letter_width(sample) -> float:
    x = np.cumsum(sample.points[:, 0])
    return (x.max() - x.min()) / len(sample.text)


def test_each_writer_has_a_hand_of_their_own(corpus):
    """Slant and letter width vary far more between writers than between one writer's lines."""
    for feature in (lambda sample: slant_degrees(sample.points), letter_width):
        by_writer: dict[str, list[float]] = {}
        for sample in corpus:
            by_writer.setdefault(sample.writer, []).append(feature(sample))
        medians = np.array([np.median(values) for values in by_writer.values()])
        spreads = [1.4826 * np.median(np.abs(np.subtract(values, np.median(values)))) for values in by_writer.values()]
        assert np.var(medians) > 4 * np.mean(np.square(spreads))


def test_joined_writing_lifts_the_pen_less():
    rng = np.random.default_rng(0)
    joined = write_line("running summer minimum", replace(PLAIN, joins=1.0), rng).points[:, 2].sum()
    lifted = write_line("running summer minimum", replace(PLAIN, joins=0.0), rng).points[:, 2].sum()
    assert joined + 10 < lifted


def test_given_texts_are_written_in_turn():
    lines = synthesize_corpus(5, seed=1, writers=2, texts=["one", "two words"])
    assert [s.text for s in lines] == ["one", "two words", "one", "two words", "one"]
    assert [s.writer for s in lines] == ["synthetic-000", "synthetic-001"] * 2 + ["synthetic-000"]


def test_a_character_the_face_lacks_is_a_data_error():
    with pytest.raises(DataError, match="has no glyph for 'é'"):
        write_line("café", PLAIN, np.random.default_rng(0))
    with pytest.raises(DataError, match="nothing to write"):
        write_line("   ", PLAIN, np.random.default_rng(0))
    with pytest.raises(DataError, match="at least 1 line"):
        synthesize_corpus(0)
