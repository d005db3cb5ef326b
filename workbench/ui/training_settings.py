"""The training settings dialog: optimizer, learning rate and schedule, clipping, batch shape,
how often (and on how much) to validate, probe and sample, and when a run stops early. It edits a
copy of the project's ``TrainConfig``."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..engine.common.errors import WorkbenchError
from ..engine.training.config import OPTIMIZERS, SCHEDULES, TrainConfig
from .theme import PROBLEM

OPTIMIZER_NAMES = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD with momentum"}
SCHEDULE_NAMES = {"constant": "constant", "cosine": "cosine decay", "step": "step decay"}
LONGEST_TIME_LIMIT = 10_000_000  # minutes, as the command line's --minutes: about 19 years


def _spin(low: int, high: int, value: int, step: int = 1, special: str | None = None) -> QSpinBox:
    """A spin box whose range holds ``value`` (a setting made elsewhere may lie outside the usual)."""
    spin = QSpinBox()
    spin.setRange(min(low, value), max(high, value))
    spin.setSingleStep(step)
    spin.setValue(value)
    if special:
        spin.setSpecialValueText(special)
    return spin


class TrainingSettingsDialog(QDialog):
    def __init__(self, config: TrainConfig, training: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Training settings")
        self._config = config
        self.optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(OPTIMIZER_NAMES[name], name)
        self.optimizer.setCurrentIndex(OPTIMIZERS.index(config.optimizer))
        self.learning_rate = QLineEdit(repr(config.learning_rate))
        self.learning_rate.setValidator(QDoubleValidator(0.0, 100.0, 12))
        self.momentum = QDoubleSpinBox(decimals=4, minimum=0.0, maximum=0.9999, singleStep=0.05, value=config.momentum)
        self.weight_decay = QLineEdit(repr(config.weight_decay))
        self.weight_decay.setValidator(QDoubleValidator(0.0, 1.0, 12))
        self.schedule = QComboBox()
        for name in SCHEDULES:
            self.schedule.addItem(SCHEDULE_NAMES[name], name)
        self.schedule.setCurrentIndex(SCHEDULES.index(config.schedule))
        self.warmup = _spin(0, 1_000_000, config.warmup_steps, 100, "none")
        self.decay_steps = _spin(0, 10_000_000, config.decay_steps, 500)
        self.grad_clip = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=1000.0, singleStep=0.5, value=config.grad_clip)
        self.grad_clip.setSpecialValueText("off")
        self.grad_clip.setToolTip(
            "Largest global gradient norm; larger gradients are scaled down to it. Off lets an RNN's gradient "
            "explode: watch the gradient norm plot."
        )
        self.batch_size = _spin(1, 4096, config.batch_size)
        self.seq_len = _spin(1, 100_000, config.seq_len, 10)
        self.seq_len.setToolTip("Steps of backpropagation through time (text), or the longest item kept")
        self.val_every = _spin(0, 1_000_000, config.val_every, 50, "never")
        self.probe_every = _spin(0, 1_000_000, config.probe_every, 50, "never")
        self.sample_every = _spin(0, 1_000_000, config.sample_every, 100, "never")
        for control in (self.warmup, self.decay_steps, self.val_every, self.probe_every, self.sample_every):
            control.setSuffix(" steps")
        self.val_batches = _spin(0, 1_000_000, config.val_batches, 10, "all")
        self.val_batches.setSuffix(" batches")
        self.val_batches.setToolTip(
            "Batches each validation scores, the same ones every time: fewer is quicker, more a truer loss. "
            "All scores the whole held-out split. A run ends with a longer validation: the whole split, "
            "or about two million tokens of a larger one (all of it when this is All)."
        )
        self.patience = _spin(0, 1_000_000, config.patience, 1, "off")
        self.patience.setSuffix(" validations")
        self.patience.setToolTip(
            "Early stopping: a run stops after this many validations in a row without a lower validation loss "
            "than the best so far. The best weights are kept either way. Off trains every step asked for."
        )
        self.time_limit = QDoubleSpinBox(decimals=2, minimum=0.0, singleStep=5.0)
        self.time_limit.setMaximum(max(LONGEST_TIME_LIMIT, config.max_minutes))
        self.time_limit.setValue(config.max_minutes)
        self.time_limit.setSpecialValueText("off")
        self.time_limit.setSuffix(" minutes")
        self.time_limit.setToolTip(
            "A run stops after this many minutes of training (time paused does not count), ending as a "
            "finished run does, with a validation of the whole split. Off: no limit."
        )
        for control, what, budget in (
            (self.probe_every, "A look inside (gates, states, gradient through time)", config.probe_budget),
            (self.sample_every, "A sample", config.sample_budget),
        ):
            control.setToolTip(
                f"{what} comes at most this often, and less often when it would take more than "
                f"{budget:.0%} of training time."
                if budget
                else f"{what} comes this often."
            )

        optimisation = QGroupBox("Optimisation")
        form = QFormLayout(optimisation)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Momentum", self.momentum)
        form.addRow("Weight decay", self.weight_decay)
        form.addRow("Schedule", self.schedule)
        form.addRow("Warm-up", self.warmup)
        form.addRow("Decay over", self.decay_steps)
        form.addRow("Gradient clipping", self.grad_clip)
        data = QGroupBox("Batches and views")
        data_form = QFormLayout(data)
        data_form.addRow("Batch size", self.batch_size)
        data_form.addRow("Sequence length", self.seq_len)
        data_form.addRow("Validate every", self.val_every)
        data_form.addRow("Validation batches", self.val_batches)
        data_form.addRow("Look inside every", self.probe_every)
        data_form.addRow("Sample every", self.sample_every)
        stopping = QGroupBox("Stopping early")
        stopping_form = QFormLayout(stopping)
        stopping_form.addRow("Patience", self.patience)
        stopping_form.addRow("Time limit", self.time_limit)
        right = QVBoxLayout()
        right.addWidget(data)
        right.addWidget(stopping)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addWidget(optimisation)
        columns.addLayout(right)
        note = QLabel(
            "Changes apply from the next step, while training too. A new optimizer starts without its "
            "moments; a new batch shape takes effect from the next epoch."
            if training
            else "Changes apply from the next step."
        )
        note.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color: {PROBLEM};")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for signal in (
            self.optimizer.currentIndexChanged,
            self.schedule.currentIndexChanged,
            self.learning_rate.textChanged,
            self.weight_decay.textChanged,
            self.val_every.valueChanged,
        ):
            signal.connect(self._refresh)
        self._refresh()

    def config(self) -> TrainConfig:
        """The settings as edited (checked: raises WorkbenchError with the first problem)."""
        try:
            learning_rate, weight_decay = float(self.learning_rate.text()), float(self.weight_decay.text() or 0)
        except ValueError:
            raise WorkbenchError("the learning rate and weight decay are numbers, such as 0.002 or 1e-4") from None
        return replace(
            self._config,
            optimizer=self.optimizer.currentData(),
            learning_rate=learning_rate,
            momentum=self.momentum.value(),
            weight_decay=weight_decay,
            schedule=self.schedule.currentData(),
            warmup_steps=self.warmup.value(),
            decay_steps=self.decay_steps.value(),
            grad_clip=self.grad_clip.value(),
            batch_size=self.batch_size.value(),
            seq_len=self.seq_len.value(),
            val_every=self.val_every.value(),
            val_batches=self.val_batches.value(),
            probe_every=self.probe_every.value(),
            sample_every=self.sample_every.value(),
            patience=self.patience.value(),
            max_minutes=self.time_limit.value(),
        ).check()

    def _refresh(self) -> None:
        """Momentum only for the optimizers that have it, decay steps only for a decaying schedule,
        validation batches and patience only with validations, and OK only for settings that check."""
        self.momentum.setEnabled(self.optimizer.currentData() != "adam")
        self.decay_steps.setEnabled(self.schedule.currentData() != "constant")
        validates = self.val_every.value() > 0
        self.val_batches.setEnabled(validates)
        self.patience.setEnabled(validates)
        try:
            self.config()
            problem = ""
        except WorkbenchError as error:
            problem = str(error)
        self.problem.setText(problem[:1].upper() + problem[1:])
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
