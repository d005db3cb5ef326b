"""Stroke offsets: conversion both ways, normalisation statistics and the slant of writing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.handwriting.strokes import (
    StrokeSample,
    StrokeStats,
    offsets_to_strokes,
    slant_degrees,
    strokes_to_offsets,
)


def test_strokes_become_offsets_with_the_pen_lifting_after_each_stroke():
    strokes = [np.array([[1.0, 2.0], [4.0, 6.0]]), np.zeros((0, 2)), np.array([[10.0, 0.0]])]
    expected = np.array([[1, 2, 0], [3, 4, 1], [6, -6, 1]], np.float32)
    points = strokes_to_offsets(strokes)
    assert points.dtype == np.float32
    np.testing.assert_array_equal(points, expected)
    back = offsets_to_strokes(points)
    assert len(back) == 2
    np.testing.assert_array_equal(back[0], [[1, 2], [4, 6]])
    np.testing.assert_array_equal(back[1], [[10, 0]])


def test_offsets_and_strokes_round_trip():
    rng = np.random.default_rng(0)
    strokes = [rng.uniform(-500, 500, (int(n), 2)) for n in rng.integers(1, 40, 25)]
    points = strokes_to_offsets(strokes)
    assert points.shape == (sum(len(s) for s in strokes), 3) and points[:, 2].sum() == 25
    back = offsets_to_strokes(points)
    assert [len(s) for s in back] == [len(s) for s in strokes]
    for original, restored in zip(strokes, back):
        np.testing.assert_allclose(restored, original, atol=1e-2)
    np.testing.assert_array_equal(strokes_to_offsets(back), points)


def test_points_after_the_last_pen_lift_form_an_unfinished_stroke():
    points = np.array([[1, 1, 1], [2, 0, 0], [0, 3, 0]], np.float32)
    back = offsets_to_strokes(points)
    assert len(back) == 2
    np.testing.assert_array_equal(back[1], [[3, 1], [3, 4]])
    assert strokes_to_offsets([]).shape == (0, 3)


def sample(*rows) -> StrokeSample:
    return StrokeSample(np.array(rows, np.float32))


def test_stats_standardise_offsets_and_leave_the_pen_alone():
    samples = [sample([0, 0, 0], [2, 4, 1]), sample([4, -4, 0], [2, 0, 1])]
    stats = StrokeStats.fit(samples)
    assert stats.mean == (2.0, 0.0)
    assert stats.std == pytest.approx((math.sqrt(2.0), math.sqrt(8.0)))
    normalised = np.concatenate([stats.normalise(s.points) for s in samples])
    np.testing.assert_allclose(normalised[:, :2].mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(normalised[:, :2].std(0), 1, atol=1e-6)
    np.testing.assert_array_equal(normalised[:, 2], [0, 1, 0, 1])
    np.testing.assert_allclose(stats.denormalise(stats.normalise(samples[0].points)), samples[0].points, atol=1e-5)


def test_stats_clip_wild_offsets_and_survive_json():
    stats = StrokeStats((1.0, -1.0), (2.0, 4.0), clip=3.0)
    normalised = stats.normalise(np.array([[101, -1, 1], [-3, 3, 0]], np.float32))
    np.testing.assert_allclose(normalised, [[3, 0, 1], [-2, 1, 0]])
    assert normalised.dtype == np.float32
    assert StrokeStats.from_json(stats.to_json()) == stats


@pytest.mark.parametrize(
    "data", [{}, {"mean": [0, 0], "std": [1], "clip": 5}, {"mean": [0, 0], "std": [1, 0], "clip": 5}, {"mean": "ab"}]
)
def test_damaged_stats_are_a_data_error(data):
    with pytest.raises(DataError, match="stroke statistics are damaged"):
        StrokeStats.from_json(data)


def test_writing_that_never_moves_cannot_be_normalised():
    with pytest.raises(DataError, match="never moves the pen"):
        StrokeStats.fit([sample([0, 0, 0], [0, 5, 1], [0, 2, 1])])
    with pytest.raises(DataError, match="fewer than 2 points"):
        StrokeStats.fit([])


def upright_writing(rng: np.random.Generator) -> list[np.ndarray]:
    """Letter-like strokes (y down): down-strokes, loops, joins, noise; its verticals are upright."""
    strokes = []
    for letter in range(12):
        x = 30.0 * letter
        height = 20.0 if letter % 3 else 40.0
        stem = np.stack([np.full(12, x), np.linspace(-height, 0, 12)], axis=1)
        angles = np.linspace(0, 2 * math.pi, 16)
        bowl = np.stack([x + 8 + 7 * np.cos(angles), -7 + 7 * np.sin(angles)], axis=1)
        join = np.stack([np.linspace(x + 15, x + 30, 6), np.linspace(0, -10, 6)], axis=1)
        strokes.append(np.concatenate([stem, bowl, join]))
    return [stroke + rng.normal(0, 0.2, stroke.shape) for stroke in strokes]


@pytest.mark.parametrize("angle", [-15.0, 0.0, 12.0, 30.0, 45.0])
def test_slant_of_sheared_writing_is_the_shear_angle(angle):
    shear = math.tan(math.radians(angle))
    strokes = [stroke - np.outer(stroke[:, 1], [shear, 0]) for stroke in upright_writing(np.random.default_rng(1))]
    assert slant_degrees(strokes_to_offsets(strokes)) == pytest.approx(angle, abs=2.0)


def test_writing_without_down_strokes_has_no_slant():
    assert math.isnan(slant_degrees(strokes_to_offsets([np.array([[0, 0], [10, 0], [20, 1], [30, 0], [40, 0]])])))
