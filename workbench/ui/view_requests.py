"""The views' questions for the trained model, asked of the engine worker and answered back to them.

A sample of text, a classification, a translation, a forecast, a caption, a line of handwriting:
each view emits a request signal; here it becomes a ``tasks`` function run on the worker, whose
answer (or error) comes back to the view that asked, on the GUI thread.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject

from ..engine.project.snapshot import ProjectSnapshot
from . import tasks


class ViewRequests(QObject):
    """Connects the window's views to the worker: the Samples panel, the Results and Handwriting tabs."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.bridge = window.bridge
        results, handwriting = window.results, window.handwriting
        window.samples.sample_requested.connect(self.request_sample)
        handwriting.write_requested.connect(self.request_handwriting)
        handwriting.density_requested.connect(self.request_density)
        handwriting.add_to_data_requested.connect(self.add_handwriting_line)
        results.classify_requested.connect(partial(self.ask_results, tasks.classify, "show_classification"))
        results.tag_requested.connect(partial(self.ask_results, tasks.tag, "show_tagging"))
        results.translate_requested.connect(partial(self.ask_results, tasks.translate, "show_translation"))
        results.evaluate_requested.connect(partial(self.ask_results, tasks.evaluate_translation, "show_scores"))
        results.forecast_requested.connect(partial(self.ask_results, tasks.forecast, "show_forecast"))
        results.caption_requested.connect(self.request_caption)
        results.evaluate_captions_requested.connect(
            partial(self.ask_results, tasks.evaluate_captions, "show_caption_scores")
        )
        results.evaluate_forecast_requested.connect(
            partial(self.ask_results, tasks.evaluate_forecast, "show_forecast_scores")
        )
        results.evaluate_labels_requested.connect(partial(self.ask_results, tasks.evaluate, "show_whole_validation"))

    def request_sample(self, options) -> None:
        samples = self.window.samples
        if not self.window.files.has_project:
            samples.show_error("Open or create a project first.")
            return
        if not self.window.document.spec.generates_text:
            samples.show_error("This model does not write text; a handwriting model writes in its own tab.")
            return
        self.bridge.call(
            partial(tasks.sample, self.bridge.worker, options),
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

    def request_caption(self, scene: int, beam_width: int) -> None:
        """A caption of validation picture ``scene``, shown with the caption it should be."""
        results = self.window.results
        self.bridge.call(
            partial(tasks.caption_scene, self.bridge.worker, scene, beam_width),
            lambda answer: results.show_caption(*answer),
            lambda error: results.show_error(str(error)),
        )

    def request_handwriting(self, request) -> None:
        handwriting = self.window.handwriting
        self.bridge.call(
            partial(tasks.write_handwriting, self.bridge.worker, request),
            handwriting.show_written,
            lambda error: handwriting.show_error(str(error)),
        )

    def request_density(self, request) -> None:
        handwriting = self.window.handwriting
        self.bridge.call(
            partial(tasks.next_point_density, self.bridge.worker, request),
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
