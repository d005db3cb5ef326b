"""The training settings dialog edits early stopping, the time limit and the validation batches
(all: the whole held-out split), saved into the project's TrainConfig as the other settings are."""

from dataclasses import replace

import pytest

from workbench.engine.training.config import TrainConfig
from workbench.ui.training_settings import TrainingSettingsDialog


@pytest.fixture
def dialog(qtbot):
    made = TrainingSettingsDialog(TrainConfig(patience=4, max_minutes=30.5, val_batches=12), training=False)
    qtbot.addWidget(made)
    return made


def test_the_fields_show_the_settings_and_their_off_and_all_values(qtbot):
    shown = TrainingSettingsDialog(TrainConfig(patience=4, max_minutes=30.5, val_batches=12), training=False)
    qtbot.addWidget(shown)
    assert shown.patience.text() == "4 validations"
    assert shown.time_limit.text() == "30.50 minutes"
    assert shown.val_batches.text() == "12 batches"
    plain = TrainingSettingsDialog(TrainConfig(val_batches=0), training=False)
    qtbot.addWidget(plain)
    assert (plain.patience.text(), plain.time_limit.text(), plain.val_batches.text()) == ("off", "off", "all")
    for field, words in (
        (plain.patience, "validations in a row"),
        (plain.time_limit, "minutes"),
        (plain.val_batches, "whole held-out split"),
    ):
        assert words in field.toolTip()


def test_the_edited_fields_go_into_the_config(dialog):
    config = TrainConfig(patience=4, max_minutes=30.5, val_batches=12)
    assert dialog.config() == config  # untouched: the same settings
    dialog.patience.setValue(0)
    dialog.time_limit.setValue(90)
    dialog.val_batches.setValue(0)
    assert dialog.config() == replace(config, patience=0, max_minutes=90.0, val_batches=0)


def test_without_validations_there_is_nothing_to_be_patient_about(dialog):
    assert dialog.patience.isEnabled() and dialog.val_batches.isEnabled()
    dialog.val_every.setValue(0)
    assert not dialog.patience.isEnabled() and not dialog.val_batches.isEnabled()
    assert dialog.time_limit.isEnabled()
    dialog.val_every.setValue(100)
    assert dialog.patience.isEnabled() and dialog.val_batches.isEnabled()
