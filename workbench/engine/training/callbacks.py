"""Hooks into the training loop (Lightning-style): subclass and override what you need."""

from __future__ import annotations


class Callback:
    def on_step_end(self, trainer) -> None:
        """After every optimisation step, validation, probe and sample included."""

    def on_run_end(self, trainer, outcome) -> None:
        """When ``Trainer.run`` returns: completed, stopped or failed."""


class SaveEvery(Callback):
    """Call ``save()`` every ``steps`` steps and when the run ends (the command line's autosave)."""

    def __init__(self, steps: int, save) -> None:
        self.steps = steps
        self.save = save
        self.saved_step: int | None = None  # the step of the last save, None before one

    def on_step_end(self, trainer) -> None:
        if self.steps and trainer.step % self.steps == 0:
            self.save()
            self.saved_step = trainer.step

    def on_run_end(self, trainer, outcome) -> None:
        self.save()
        self.saved_step = trainer.step
