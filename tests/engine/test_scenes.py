"""Generated scenes: captions true of their pictures, seeded, stored and batched like other data."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.batching import IGNORE_INDEX
from workbench.engine.data.scene_drawing import COLOURS, MIN_GAP, RELATIONS, SHAPES, generate_scenes
from workbench.engine.data.scenes import SceneCorpus, load_scenes_demo, scenes_from_items

JITTER_DISTANCE = 40  # a shape's pixels lie within this of its colour word's RGB (jitter ≤ 20 a channel)
FILL = {"square": (0.99, 1.0), "circle": (0.7, 0.88), "triangle": (0.45, 0.62)}  # share of the bounding box


def parse(caption: str) -> tuple[list[tuple[str, str]], str | None]:
    """The (colour, shape) of each thing a caption names, and its relation; fails off the grammar."""
    words = caption.split()
    assert words[0] == "a" and words[1] in COLOURS and words[2] in SHAPES
    things = [(words[1], words[2])]
    if len(words) == 3:
        return things, None
    relation = " ".join(words[3:-3])
    assert relation in RELATIONS and words[-3] == "a" and words[-2] in COLOURS and words[-1] in SHAPES
    return things + [(words[-2], words[-1])], relation


def pixels_of(image: np.ndarray, colour: str) -> np.ndarray:
    """(rows, columns) of the pixels of a colour word."""
    distance = np.linalg.norm(image.astype(int) - np.array(COLOURS[colour]), axis=-1)
    return np.nonzero(distance < JITTER_DISTANCE)


def extent(where: tuple[np.ndarray, np.ndarray]) -> tuple[int, int, int, int]:
    rows, columns = where
    return rows.min(), rows.max(), columns.min(), columns.max()


def check_scene(image: np.ndarray, caption: str) -> str | None:
    things, relation = parse(caption)
    boxes = []
    for colour, shape in things:
        where = pixels_of(image, colour)
        assert len(where[0]), f"no {colour} pixels for {caption!r}"
        top, bottom, left, right = extent(where)
        assert bottom - top == right - left, "a shape is as tall as it is wide"
        fill = len(where[0]) / ((bottom - top + 1) * (right - left + 1))
        low, high = FILL[shape]
        assert low <= fill <= high, f"{shape} of {caption!r} fills {fill:.2f} of its box"
        boxes.append((top, bottom, left, right))
    background = image.max(axis=-1) > 60  # shapes are bright, the background a dark grey
    assert background.sum() == sum(len(pixels_of(image, colour)[0]) for colour, _ in things), "nothing else drawn"
    if relation is None:
        return None
    assert things[0][0] != things[1][0], "the two shapes differ in colour"
    (top1, bottom1, left1, right1), (top2, bottom2, left2, right2) = boxes
    assert bottom1 - top1 > bottom2 - top2, "the larger shape is named first"
    rows_apart = top2 - bottom1 > MIN_GAP or top1 - bottom2 > MIN_GAP
    columns_apart = left2 - right1 > MIN_GAP or left1 - right2 > MIN_GAP
    assert rows_apart != columns_apart, "exactly one relation is true"
    if rows_apart:
        assert relation == ("above" if bottom1 < top2 else "below")
        assert min(right1, right2) >= max(left1, left2), "columns overlap: neither is left of the other"
    else:
        assert relation == ("left of" if right1 < left2 else "right of")
        assert min(bottom1, bottom2) >= max(top1, top2), "rows overlap: neither is above the other"
    return relation


@pytest.mark.parametrize("size", [24, 48, 64])
def test_every_caption_is_true_of_its_picture(size):
    images, captions = generate_scenes(300, seed=size, size=size)
    assert images.shape == (300, size, size, 3) and images.dtype == np.uint8
    relations = [check_scene(image, caption) for image, caption in zip(images, captions)]
    assert set(relations) == {None, *RELATIONS}  # single shapes and every relation occur


def test_scenes_are_the_same_for_a_seed_and_differ_between_seeds():
    first, again, other = (generate_scenes(50, seed, 32) for seed in (3, 3, 4))
    assert np.array_equal(first[0], again[0]) and first[1] == again[1]
    assert first[1] != other[1]


def test_demo_corpus_says_its_task_and_shows_its_captions():
    corpus = load_scenes_demo(count=100, size=32)
    assert corpus.kind == "scenes" and corpus.source == "demo:scenes" and corpus.title == "Captioned scenes"
    stats = corpus.stats()
    assert (stats["pictures"], stats["train_pictures"], stats["val_pictures"]) == (100, 90, 10)
    assert (stats["image_size"], stats["channels"], stats["longest_caption"]) == (32, 3, 8)
    assert stats["train_tokens"] == sum(len(caption) + 1 for caption in corpus.captions("train"))
    assert corpus.vocab.tokens[0] == "<s>" and corpus.vocab.boundary == 0
    task = corpus.task(16)
    assert (task.title, task.inputs.kind) == ("captioning", "image")
    assert (task.inputs.image_size, task.inputs.channels) == (32, 3)
    assert task.head.num_outputs == task.target_inputs.vocab_size == len(corpus.vocab) == stats["vocab_size"]
    lines = corpus.preview().split("\n")
    assert lines[0] == f"training scene 0: {corpus.caption_texts('train')[0]}"
    assert lines[1].startswith("training scene 1: a ")
    assert not hasattr(corpus, "probe_example")  # the trainer looks inside single stacks only


def test_arrays_round_trip():
    corpus = load_scenes_demo(count=40, size=24, seed=5)
    arrays = corpus.arrays()
    assert arrays["train_images"].dtype == np.uint8 and arrays["train_images"].shape == (36, 24, 24, 3)
    again = SceneCorpus.from_arrays(dict(corpus.description), corpus.vocab.to_json(), arrays)
    assert again.vocab == corpus.vocab and again.description == corpus.description
    for split in ("train", "val"):
        assert np.array_equal(again.images(split), corpus.images(split))
        assert again.caption_texts(split) == corpus.caption_texts(split)


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda arrays: arrays.pop("val_images"), "no 'val_images' array"),
        (lambda arrays: arrays.update(train_images=arrays["train_images"].astype(np.float32)), "not square uint8"),
        (lambda arrays: arrays.update(train_images=arrays["train_images"][:-1]), "differ in count"),
        (lambda arrays: arrays.update(val_images=arrays["val_images"][:, :20]), "not square"),
        (lambda arrays: arrays.update(train_captions_ids=arrays["train_captions_ids"] + 100), "outside the vocabulary"),
    ],
)
def test_damaged_arrays_are_refused_in_words(damage, problem):
    corpus = load_scenes_demo(count=20, size=24)
    arrays = corpus.arrays()
    damage(arrays)
    with pytest.raises(DataError, match=problem):
        SceneCorpus.from_arrays(corpus.description, corpus.vocab.to_json(), arrays)


def test_batches_frame_the_captions_for_teacher_forcing():
    corpus = load_scenes_demo(count=45, size=24)
    batcher = corpus.batcher("train", 8, 9, seed=0)
    assert batcher.batches_per_epoch == 5 and batcher.next_batch().continues is False
    batch = next(batcher.epoch_batches())  # validation order: the stored one
    assert batch.images.shape == (8, 24, 24, 3) and batch.images.dtype == np.uint8
    assert np.array_equal(batch.images, corpus.images("train")[:8])
    for row, caption in enumerate(corpus.captions("train")[:8]):
        steps = len(caption)
        assert batch.target_in[row, 0] == 0 and np.array_equal(batch.target_in[row, 1 : steps + 1], caption)
        assert np.array_equal(batch.target_out[row, :steps], caption) and batch.target_out[row, steps] == 0
        assert (batch.target_out[row, steps + 1 :] == IGNORE_INDEX).all()
    assert batch.tokens == batch.loss_weight == sum(len(c) + 1 for c in corpus.captions("train")[:8])


def test_an_epoch_is_a_seeded_permutation_restored_from_its_position():
    corpus = load_scenes_demo(count=45, size=24)
    walk = corpus.batcher("train", 8, 9, seed=2)
    batches = [walk.next_batch() for _ in range(7)]
    first_epoch = np.concatenate([batch.images for batch in batches[:5]])
    assert len({image.tobytes() for image in first_epoch}) == 40  # no picture twice in an epoch
    resumed = corpus.batcher("train", 8, 9, seed=2)
    resumed.restore({"epoch": 1, "cursor": 1})
    assert np.array_equal(resumed.next_batch().images, batches[6].images)


def test_the_sequence_length_must_hold_the_longest_caption():
    corpus = load_scenes_demo(count=30, size=24)
    corpus.check_fits(4, 9)
    with pytest.raises(DataError, match="longest caption has 8 words .* at least 9"):
        corpus.batcher("train", 4, 8, seed=0)


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda: generate_scenes(10, 0, 16), "at least 24 pixels"),
        (lambda: generate_scenes(1, 0, 32), "at least 2 scenes"),
        (
            lambda: scenes_from_items(*generate_scenes(4, 0, 24), "test", "Test", val_fraction=1.5),
            "validation fraction",
        ),
        (
            lambda: scenes_from_items(np.zeros((3, 24, 24, 3), np.uint8), ["a red circle"] * 2, "test", "Test"),
            "3 pictures",
        ),
        (lambda: scenes_from_items(np.zeros((2, 24, 24, 3), np.uint8), ["a red dog"] * 2, "test", "Test"), "'dog'"),
    ],
)
def test_bad_requests_are_refused_in_words(make, problem):
    with pytest.raises(DataError, match=problem):
        make()


def test_validation_batches_reach_every_picture():
    images, captions = generate_scenes(30, seed=2, size=24)
    corpus = scenes_from_items(images, captions, "t", "t", val_fraction=0.5)
    batches = list(corpus.batcher("val", 4, 16, seed=0).epoch_batches())
    assert sum(len(batch.images) for batch in batches) == 15  # 3 batches of 4 and the 3 left over
