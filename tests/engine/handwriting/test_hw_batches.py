"""Handwriting batches: the alphabet, next-point framing, masks, determinism and resuming."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.handwriting.stroke_batches import (
    PADDING,
    START_POINT,
    UNKNOWN,
    StrokeAlphabet,
    StrokeBatcher,
)
from workbench.engine.data.handwriting.strokes import StrokeSample


def numbered_line(line: int, length: int) -> StrokeSample:
    """Points that say which line and step they are: (line, step, pen up every 5th)."""
    steps = np.arange(length)
    points = np.stack([np.full(length, line), steps, (steps % 5 == 4) | (steps == length - 1)], axis=1)
    return StrokeSample(points.astype(np.float32), text="ab c"[: 1 + line % 4], writer=f"w{line % 3}")


@pytest.fixture
def lines() -> list[StrokeSample]:
    return [numbered_line(line, 3 + (line * 7) % 23) for line in range(22)]


@pytest.fixture
def alphabet(lines) -> StrokeAlphabet:
    return StrokeAlphabet.from_texts([line.text for line in lines])


def test_the_alphabet_keeps_padding_and_unknown_apart_from_characters():
    alphabet = StrokeAlphabet.from_texts(["hello", "held"])
    assert alphabet.characters == "dehlo" and alphabet.size == 7
    np.testing.assert_array_equal(alphabet.encode("he x"), [4, 3, UNKNOWN, UNKNOWN])  # d=2, e=3, h=4
    assert alphabet.encode("").dtype == np.int64 and PADDING not in alphabet.encode("hold")
    assert StrokeAlphabet.from_json(alphabet.to_json()) == alphabet
    with pytest.raises(DataError, match="alphabet is damaged"):
        StrokeAlphabet.from_json({"characters": "aa"})
    with pytest.raises(DataError, match="alphabet is damaged"):
        StrokeAlphabet.from_json({"characters": 5})


def test_a_batch_predicts_each_point_from_the_one_before(lines, alphabet):
    batcher = StrokeBatcher(lines, alphabet, batch_size=4, max_points=100, seed=0)
    batch = batcher.next_batch()
    assert batch.points.shape == batch.targets.shape and batch.points.shape[::2] == (4, 3)
    assert batch.points.dtype == np.float32 and batch.mask.dtype == bool
    lengths = batch.mask.sum(axis=1)
    assert batch.tokens == lengths.sum() and batch.points.shape[1] == lengths.max()
    for row, length in enumerate(lengths):
        line = lines[int(batch.targets[row, 0, 0])]
        assert len(line.points) == length
        np.testing.assert_array_equal(batch.targets[row, :length], line.points)
        np.testing.assert_array_equal(batch.points[row, 0], START_POINT)
        np.testing.assert_array_equal(batch.points[row, 1:length], line.points[:-1])
        assert not batch.points[row, length:].any() and not batch.targets[row, length:].any()
        text = alphabet.encode(line.text)
        np.testing.assert_array_equal(batch.text[row, : len(text)], text)
        assert batch.text_mask[row].sum() == len(text) and (batch.text[row, len(text) :] == PADDING).all()


def test_long_lines_are_cut_to_their_first_points(lines, alphabet):
    batch = StrokeBatcher(lines, alphabet, batch_size=22, max_points=10, seed=0).next_batch()
    assert batch.points.shape[1] == 10 and batch.tokens == sum(min(len(line.points), 10) for line in lines)
    assert batch.targets[:, :, 1].max() == 9  # the step counter: no point past the tenth


def test_an_epoch_visits_each_line_at_most_once_and_pads_little(lines, alphabet):
    batcher = StrokeBatcher(lines, alphabet, batch_size=4, max_points=100, seed=3)
    assert batcher.batches_per_epoch == 5
    seen = [int(line) for batch in (batcher.next_batch() for _ in range(5)) for line in batch.targets[:, 0, 0]]
    assert len(seen) == len(set(seen)) == 20 and batcher.epoch == 1
    fixed = list(batcher.epoch_batches())
    assert [b.mask.sum(1).max() for b in fixed] == sorted(b.mask.sum(1).max() for b in fixed)


def test_the_same_seed_and_epoch_give_the_same_batches(lines, alphabet):
    def run(seed):
        batcher = StrokeBatcher(lines, alphabet, batch_size=4, max_points=100, seed=seed)
        return [batcher.next_batch().targets[:, 0, 0].tolist() for _ in range(12)]

    assert run(5) == run(5)
    assert run(5) != run(6)
    first = run(5)
    assert first[:5] != first[5:10]  # a new epoch, a new order


def test_restoring_mid_epoch_continues_exactly(lines, alphabet):
    original = StrokeBatcher(lines, alphabet, batch_size=3, max_points=12, seed=9)
    for _ in range(9):
        original.next_batch()
    state = original.state()
    resumed = StrokeBatcher(lines, alphabet, batch_size=3, max_points=12, seed=9)
    resumed.restore(state)
    for _ in range(10):
        a, b = original.next_batch(), resumed.next_batch()
        for field in ("points", "targets", "mask", "text", "text_mask"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
        assert a.tokens == b.tokens


def test_fewer_lines_than_a_batch_make_one_batch(lines, alphabet):
    batcher = StrokeBatcher(lines[:3], alphabet, batch_size=8, max_points=50, seed=0)
    assert batcher.batches_per_epoch == 1 and batcher.next_batch().points.shape[0] == 3


def test_unusable_lines_are_a_data_error(lines, alphabet):
    with pytest.raises(DataError, match="no handwriting lines"):
        StrokeBatcher([], alphabet, batch_size=4, max_points=50, seed=0)
    empty = StrokeSample(np.zeros((0, 3), np.float32), "x", "w9")
    with pytest.raises(DataError, match=r"line 3 \(w9\) has no points"):
        StrokeBatcher([*lines[:2], empty], alphabet, batch_size=4, max_points=50, seed=0)
    with pytest.raises(DataError, match="at least 1"):
        StrokeBatcher(lines, alphabet, batch_size=0, max_points=50, seed=0)
