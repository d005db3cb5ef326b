"""The views' questions for the trained model, asked of the engine worker and answered back to them.

A sample of text, a classification, a translation, a forecast, a caption, a line of handwriting:
each view emits a request signal; here it becomes a ``tasks`` function run on the worker, whose
answer (or error) comes back to the view that asked, on the GUI thread.

What the model writes, says and scores comes from the weights the window chose (``weights``:
best or latest, one choice shown in the Samples panel and the Handwriting tab). The whole
validation of a classifier or tagger scores the model as it trains, as the run's own validations do.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject

from ..engine.project.snapshot import ProjectSnapshot
from . import tasks
from .weights_choice import WeightsChoice


class ViewRequests(QObject):
    """Connects the window's views to the worker: the Samples panel, the Results and Handwriting tabs."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.bridge = window.bridge
        results, handwriting = window.results, window.handwriting
        self.weights = WeightsChoice([window.samples.weights_combo, handwriting.weights_combo], self)
        window.samples.sample_requested.connect(self.request_sample)
        handwriting.write_requested.connect(self.request_handwriting)
        handwriting.density_requested.connect(self.request_density)
        handwriting.add_to_data_requested.connect(self.add_handwriting_line)
        for signal, task, answer in (
            (results.classify_requested, tasks.classify, "show_classification"),
            (results.tag_requested, tasks.tag, "show_tagging"),
            (results.translate_requested, tasks.translate, "show_translation"),
            (results.evaluate_requested, tasks.evaluate_translation, "show_scores"),
            (results.forecast_requested, tasks.forecast, "show_forecast"),
            (results.evaluate_captions_requested, tasks.evaluate_captions, "show_caption_scores"),
            (results.evaluate_forecast_requested, tasks.evaluate_forecast, "show_forecast_scores"),
        ):
            signal.connect(partial(self.ask_results_with_weights, task, answer))
        results.caption_requested.connect(self.request_caption)
        results.evaluate_labels_requested.connect(partial(self.ask_results, tasks.evaluate, "show_whole_validation"))
        for signal in (self.bridge.validation_arrived, self.bridge.run_finished, self.bridge.run_failed):
            signal.connect(self.refresh_best)  # a validation may keep new best weights, a failed run drop them

    def refresh_best(self, *_event) -> None:
        """Ask the worker which best weights it keeps now, for the weights choice to name their step."""
        self.bridge.call(partial(tasks.kept_best, self.bridge.worker), self.weights.show_best, self.window.show_error)

    def request_sample(self, options) -> None:
        samples = self.window.samples
        if not self.window.files.has_project:
            samples.show_error("Open or create a project first.")
            return
        if not self.window.document.spec.generates_text:
            samples.show_error("This model does not write text; a handwriting model writes in its own tab.")
            return
        self.bridge.call(
            partial(tasks.sample, self.bridge.worker, options, self.weights.weights),
            lambda text: samples.show_result(text, options),
            lambda error: samples.show_error(str(error)),
        )

    def ask_results(self, task, answer: str, *request) -> None:
        """A Results tab request (classify, tag, translate, evaluate), answered by the worker."""
        results = self.window.results
        self.bridge.call(
            partial(task, self.bridge.worker, *request),
            getattr(results, answer),
            lambda error: results.show_error(str(error)),
        )

    def ask_results_with_weights(self, task, answer: str, *request) -> None:
        """A Results tab request that the chosen weights answer (what the model says, and its scores)."""
        self.ask_results(partial(task, weights=self.weights.weights), answer, *request)

    def request_caption(self, scene: int, beam_width: int) -> None:
        """A caption of validation picture ``scene``, shown with the caption it should be."""
        results = self.window.results
        self.bridge.call(
            partial(tasks.caption_scene, self.bridge.worker, scene, beam_width, self.weights.weights),
            lambda answer: results.show_caption(*answer),
            lambda error: results.show_error(str(error)),
        )

    def request_handwriting(self, request) -> None:
        handwriting = self.window.handwriting
        self.bridge.call(
            partial(tasks.write_handwriting, self.bridge.worker, request, self.weights.weights),
            handwriting.show_written,
            lambda error: handwriting.show_error(str(error)),
        )

    def request_density(self, request) -> None:
        handwriting = self.window.handwriting
        self.bridge.call(
            partial(tasks.next_point_density, self.bridge.worker, request, self.weights.weights),
            handwriting.show_density,
            lambda error: handwriting.density_failed(str(error)),
        )

    def add_handwriting_line(self, line) -> None:
        """The user's line and its text join the project's training data."""
        strokes, text = line
        window = self.window

        def added(snapshot: ProjectSnapshot) -> None:
            window.files.mark_changed()
            window.data_panel.show_project(snapshot)
            window.handwriting.show_added(text, snapshot.data_stats.get("your_lines", 0))

        self.bridge.call(
            partial(tasks.add_handwriting_line, self.bridge.worker, strokes, text),
            added,
            lambda error: window.handwriting.show_error(str(error)),
        )
