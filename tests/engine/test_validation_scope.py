"""What a validation scored: a quick subset drawn from the whole split and saying so, the whole
split at the end of every run, progress and cancel on the way."""

from dataclasses import replace

import numpy as np
import pytest
from tiny import TINY_CONFIG, Recorder, make_project, write_text_corpus

from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.events import RunFinished, RunStarted, TaskProgress, ValidationResult
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec
from workbench.engine.training import validation

NAMES = [f"{first}{second}" for first in "bcdfgklmnprst" for second in ("ana", "ela", "ina", "ona", "una")]


def grouped_classifier(**config) -> Project:
    """A classifier whose file lists every 'first' item before every 'second' one, as exports
    of a database often do."""
    texts = NAMES + [name[::-1] + "o" for name in NAMES]
    labels = ["first"] * len(NAMES) + ["second"] * len(NAMES)
    corpus = labelled_corpus(texts, labels, "class", "test:grouped", "Grouped", val_fraction=0.4, seed=1)
    spec = from_template("stacked", corpus.task(8), RecurrentSpec("lstm", 8, 1))
    return Project.create(spec, corpus, replace(TINY_CONFIG, **config))


def test_a_quick_validation_draws_its_items_from_the_whole_split_and_says_how_many():
    project = grouped_classifier(batch_size=4, val_batches=2)
    result = project.trainer().evaluate()
    assert not result.whole and (result.batches, result.scored) == (2, 8)
    val_labels = [label for _, label in project.corpus.items("val")]
    assert result.of_batches == -(-len(val_labels) // 4)
    # the first 8 validation items are all 'first'; 8 drawn from the whole split are not
    assert len(set(val_labels[:8])) == 1
    assert np.count_nonzero(result.confusion.sum(1)) == 2
    assert np.array_equal(result.confusion, project.trainer().evaluate().confusion)  # the same items every time


def test_a_whole_validation_scores_every_item():
    project = grouped_classifier(batch_size=4, val_batches=2)
    result = project.trainer().evaluate(whole=True)
    assert result.whole and result.scored == len(project.corpus.items("val"))
    assert result.confusion.sum() == result.scored


def test_every_run_ends_with_the_whole_validation_split(tmp_path):
    recorder = Recorder()
    project = make_project(write_text_corpus(tmp_path), val_every=5, val_batches=1)
    trainer = project.trainer(recorder)
    trainer.run(10)
    validations = recorder.of(ValidationResult)
    assert [v.step for v in validations] == [5, 10]  # no quick one at step 10: the whole split is scored there
    assert not validations[0].whole and validations[1].whole
    assert validations[1].batches == validations[1].of_batches > 1
    assert project.history.val_steps[-1] == 10 and project.history.val_whole == [False, True]
    kinds = [type(event) for event in recorder.events]
    assert kinds.index(RunFinished) > len(kinds) - 1 - kinds[::-1].index(ValidationResult)  # scores, then the end
    progress = recorder.of(TaskProgress)
    assert progress and progress[-1].done == progress[-1].total == validations[1].of_batches


def test_a_stop_during_the_final_validation_ends_it_and_the_result_says_it_is_part(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_batches=1)
    trainer = project.trainer()

    def stop_at_second_batch(event):
        if isinstance(event, TaskProgress) and event.done == 2:
            trainer.control.stop()

    trainer.sink = stop_at_second_batch
    trainer.run(3)
    batches = trainer.corpus.batcher("val", 4, 16, 0).pass_length
    assert batches > 3
    final = project.history
    assert final.val_steps == [3] and final.val_whole == [False]
    assert trainer.best is None  # a part no other validation scores is not compared with the best


def test_a_run_on_a_large_split_ends_with_a_bounded_validation_compared_in_the_quick_scope(tmp_path, monkeypatch):
    """At real size the whole split would take hours: the run ends with about RUN_END_TOKENS
    tokens of it (here three batches' worth), says so, and its best is judged as the quick
    validations are."""
    monkeypatch.setattr(validation, "RUN_END_TOKENS", 3 * 4 * 16)  # three batches of 4 x 16
    recorder = Recorder()
    project = make_project(write_text_corpus(tmp_path), val_batches=1, batch_size=4, seq_len=16)
    trainer = project.trainer(recorder)
    split = trainer.corpus.batcher("val", 4, 16, 0).pass_length
    assert split > 3
    trainer.run(3)
    final = recorder.of(ValidationResult)[-1]
    assert (final.batches, final.of_batches, final.whole, final.cut_short) == (3, split, False, False)
    assert recorder.of(TaskProgress)[-1].what == f"Validating on 3 of the validation split's {split:,} batches"
    assert final.loss == pytest.approx(trainer.evaluate(whole=True, limit=3).loss)
    assert trainer.best.step == 3 and trainer.best.val_loss == pytest.approx(trainer.evaluate().loss)


def test_validating_on_all_of_a_large_split_ends_with_all_of_it(tmp_path, monkeypatch):
    monkeypatch.setattr(validation, "RUN_END_TOKENS", 4 * 16)
    recorder = Recorder()
    project = make_project(write_text_corpus(tmp_path), val_batches=0, val_every=100, batch_size=4, seq_len=16)
    project.trainer(recorder).run(2)
    final = recorder.of(ValidationResult)[-1]
    assert final.whole and final.batches > 1
    assert recorder.of(TaskProgress)[-1].what == "Validating on the whole validation split"


def test_a_whole_validation_cut_short_between_runs_is_not_compared_with_the_best(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_batches=0, val_every=100)
    trainer = project.trainer()
    result = trainer.validate(cancelled=iter([False, True]).__next__)
    assert result.cut_short and result.batches == 1 and trainer.best is None


def test_the_whole_split_flag_is_kept_in_the_project_file(tmp_path):
    project = make_project(write_text_corpus(tmp_path), val_every=2, val_batches=1)
    project.trainer().run(4)
    project.save(tmp_path / "p.h5")
    reopened = Project.open(tmp_path / "p.h5")
    assert reopened.history.val_whole == [False, True]
    assert reopened.summary()["last_validation"]["whole"] is True


def test_throughput_names_what_it_counts(tmp_path):
    assert grouped_classifier(batch_size=4).trainer().counts == "items"
    assert make_project(write_text_corpus(tmp_path)).trainer().counts == "tokens"


def test_a_stopped_run_is_not_held_by_a_last_validation(tmp_path):
    """Stop, or the window closing, wants out at once: `evaluate` scores a stopped run."""
    project = make_project(write_text_corpus(tmp_path), val_batches=1)
    trainer = project.trainer()
    trainer.sink = lambda event: trainer.control.stop() if isinstance(event, RunStarted) else None
    outcome = trainer.run(5)
    assert outcome.reason == "stopped" and project.history.val_steps == []


def test_nothing_scored_is_no_score(tmp_path):
    project = make_project(write_text_corpus(tmp_path))
    result = project.trainer().evaluate(whole=True, cancelled=lambda: True)
    assert result.batches == 0 and np.isnan(result.loss)


def test_evaluate_reuses_the_runs_last_whole_validation_of_the_same_weights(tmp_path):
    from workbench.engine.scoring.evaluation import evaluate

    project = make_project(write_text_corpus(tmp_path), val_batches=1)
    trainer = project.trainer()
    trainer.run(3)
    told = []
    evaluation = evaluate(trainer, lambda done, total: told.append(done))
    assert told == []  # no second pass over the split: the run ended with one
    assert evaluation.headline.value == pytest.approx(trainer.last_whole_validation.bits_per_token)
    trainer.reconfigure(replace(trainer.config, batch_size=2))  # other batches: the old pass is not these
    evaluate(trainer, lambda done, total: told.append(done))
    assert told
