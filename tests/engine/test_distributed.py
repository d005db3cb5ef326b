"""Data-parallel training's parts that need no second process: torchrun's environment read, the
batch size checked, and a rank's rows of a batch weighted so that the ranks' gradients add up to
the one process's (the torchrun runs themselves: tests/cli/test_torchrun.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny import make_project, write_lines_corpus, write_text_corpus

from workbench.engine.common.errors import WorkbenchError
from workbench.engine.data.batching import IGNORE_INDEX, Batch
from workbench.engine.data.handwriting.stroke_batches import StrokeBatch
from workbench.engine.data.pairs import pairs_from_items
from workbench.engine.data.scene_drawing import generate_scenes
from workbench.engine.data.scenes import scenes_from_items
from workbench.engine.model.builder import build_model
from workbench.engine.model.templates import captioning, from_template
from workbench.engine.spec import ImageEncoderSpec, RecurrentSpec
from workbench.engine.training.control import TrainerControl
from workbench.engine.training.distributed import DataParallel, Ranks
from workbench.engine.training.rank_rows import row_tokens, split_batch

NUMBERS = [("one", "1"), ("two", "2"), ("three", "3"), ("four", "4"), ("five", "5"), ("six", "6")] * 2


def test_torchrun_environment_gives_this_process_its_rank():
    assert Ranks.launched({}).solo and Ranks.launched({"WORLD_SIZE": "1"}).leads
    ranks = Ranks.launched({"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1"})
    assert ranks == Ranks(3, 1, 4) and not ranks.solo and not ranks.leads
    with pytest.raises(WorkbenchError, match="RANK 4 is not a rank of WORLD_SIZE 4"):
        Ranks.launched({"WORLD_SIZE": "4", "RANK": "4", "LOCAL_RANK": "0"})
    with pytest.raises(WorkbenchError, match="torchrun"):
        Ranks.launched({"WORLD_SIZE": "2", "RANK": "one", "LOCAL_RANK": "0"})


def test_a_batch_size_the_processes_do_not_divide_is_refused_naming_both():
    Ranks(0, 0, 2).check_splits(4)
    with pytest.raises(WorkbenchError, match=r"batch size 5 does not split over 2 processes.*such as 4 or 6"):
        Ranks(1, 1, 2).check_splits(5)
    with pytest.raises(WorkbenchError, match=r"batch size 2 does not split over 3 processes.*such as 3\)"):
        Ranks(0, 0, 3).check_splits(2)


def test_one_process_alone_passes_everything_through():
    model = torch.nn.Linear(2, 2)
    job = DataParallel.of(model)
    assert job.solo and job.leads and job.size == 1
    loss = torch.tensor(2.5)
    rows = job.rows("batch", None)
    assert job.weighted(loss, rows) is loss and job.agree_on_step(loss, rows, True) == (2.5, True)
    control = TrainerControl()
    control.stop()
    assert job.stop_asked(control) and job.agree_after_step(control, "patience") == (False, "patience")


def language_model(tmp_path, kind):
    corpus = write_text_corpus(tmp_path) if kind == "stream" else write_lines_corpus(tmp_path)
    project = make_project(corpus, batch_size=6)
    return project.model, project.corpus.batcher("train", 6, 16, 0)


def translator(tmp_path, kind):
    corpus = pairs_from_items(NUMBERS, "test:numbers", "Numbers", val_fraction=0.25, seed=1)
    torch.manual_seed(0)
    return build_model(from_template("attention", corpus.task(8), RecurrentSpec("lstm", 12))), corpus.batcher(
        "train", 6, 9, 0
    )


def captioner(tmp_path, kind):
    corpus = scenes_from_items(*generate_scenes(16, 0, 24), "test:scenes", "Scenes", val_fraction=0.25)
    torch.manual_seed(0)
    spec = captioning(corpus.task(8), RecurrentSpec("lstm", 12), ImageEncoderSpec(channels=(4, 8)))
    return build_model(spec), corpus.batcher("train", 6, 9, 0)


def gradient(model, batch, state, weight=1.0):
    model.zero_grad()
    loss, _ = model.batch_loss(batch, state, torch.device("cpu"))
    (loss * weight).backward()
    return [parameter.grad.clone() for parameter in model.parameters()]


@pytest.mark.parametrize(
    "make, kind", [(language_model, "stream"), (language_model, "lines"), (translator, ""), (captioner, "")]
)
@pytest.mark.parametrize("size", [2, 4])
def test_the_ranks_rows_weighted_by_their_share_give_the_whole_batchs_gradient(tmp_path, make, kind, size):
    """Rank r's loss is its rows' mean; its share of the batch's tokens weights it, so the ranks'
    gradients (which DDP averages after each scales by ``size``) sum to the whole batch's, even
    split unevenly (6 rows over 4 ranks) and with padding of another length in each part."""
    model, batcher = make(tmp_path, kind)
    first = batcher.next_batch()
    _, state = model.batch_loss(first, None, torch.device("cpu"))
    batch = batcher.next_batch()
    state = tuple(part.detach() for part in state) if batch.continues else None
    whole = gradient(model, batch, state)
    parts = [split_batch(batch, state, rank, size) for rank in range(size)]
    assert sum(part.share for part in parts) == pytest.approx(1.0)
    assert sum(part.batch.tokens for part in parts) == batch.tokens
    summed = [sum(grads) for grads in zip(*(gradient(model, part.batch, part.state, part.share) for part in parts))]
    for mine, one in zip(summed, whole):
        torch.testing.assert_close(mine, one, rtol=1e-5, atol=1e-7)


def test_a_carried_state_is_split_by_rows():
    h, c = torch.arange(2 * 6 * 3.0).view(2, 6, 3), -torch.arange(2 * 6 * 3.0).view(2, 6, 3)
    batch = Batch(np.zeros((6, 4), np.int64), np.zeros((6, 4), np.int64), continues=True, tokens=24)
    rows = split_batch(batch, (h, c), 1, 2)
    assert rows.start == 3 and rows.total == 6 and rows.share == 0.5
    torch.testing.assert_close(rows.state[0], h[:, 3:]), torch.testing.assert_close(rows.state[1], c[:, 3:])


def test_each_kind_counts_its_rows_tokens_as_the_batch_does():
    values = np.ones((3, 4, 2), np.float32)
    values[0, 2:] = np.nan  # a series' padded steps have no value
    series = Batch(values, values, continues=False, tokens=10)
    assert row_tokens(series).tolist() == [2, 4, 4]
    classes = Batch(np.zeros((3, 5), np.int64), np.array([1, 0, 2]), continues=False, tokens=3)
    assert row_tokens(classes).tolist() == [1, 1, 1]
    tags = np.full((2, 3), IGNORE_INDEX)
    tags[0, :2], tags[1, :1] = 1, 2
    assert row_tokens(Batch(np.zeros((2, 3), np.int64), tags, continues=False, tokens=3)).tolist() == [2, 1]
    mask = np.array([[True, True, False], [True, False, False]])
    strokes = StrokeBatch(
        np.zeros((2, 3, 3), np.float32),
        np.zeros((2, 3, 3), np.float32),
        mask,
        np.zeros((2, 2), np.int64),
        mask[:, :2],
        3,
    )
    rows = split_batch(strokes, None, 0, 2)
    assert row_tokens(strokes).tolist() == [2, 1] and rows.batch.tokens == 2 and rows.share == 0.5  # a line each


def test_a_batch_that_cannot_be_split_is_refused_in_words():
    wrongly_counted = Batch(np.zeros((4, 2), np.int64), np.zeros((4, 2), np.int64), continues=False, tokens=5)
    with pytest.raises(WorkbenchError, match="counts its tokens"):
        split_batch(wrongly_counted, None, 0, 2)
    small = Batch(np.zeros((1, 2), np.int64), np.zeros((1, 2), np.int64), continues=False, tokens=2)
    with pytest.raises(WorkbenchError, match="a batch of 1 rows cannot be split over 2 processes"):
        split_batch(small, None, 0, 2)
