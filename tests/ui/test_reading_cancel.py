"""Reading a large text in the window: its progress in the status bar, and Cancel, which the
worker sees between pieces; a cancel is the user's choice, so it ends without a dialog."""

import threading

from test_main_window import make_window  # noqa: F401 (fixture)

from workbench.engine.data import text_streaming
from workbench.engine.data.text_chunks import text_chunks
from workbench.engine.events import TaskProgress


def test_cancel_stops_the_reading_between_pieces_and_keeps_no_project(
    qtbot,
    make_window,  # noqa: F811 (the fixture)
    tmp_path,
    monkeypatch,
):
    path = tmp_path / "big.txt"
    path.write_text("a line of a text that would be large\n" * 400)
    first_piece_read = threading.Event()
    may_go_on = threading.Event()

    def slow_chunks(path, encoding, chunk_bytes, progress, should_stop):
        """The real pieces, the reading held after the first until the test has clicked."""
        for number, piece in enumerate(text_chunks(path, encoding, 1000, progress, should_stop)):
            yield piece
            if number == 0:
                first_piece_read.set()
                may_go_on.wait(10)

    monkeypatch.setattr(text_streaming, "text_chunks", slow_chunks)
    window = make_window()
    progress = []
    window.bridge.progress_arrived.connect(lambda event: progress.append(event))
    window.data_panel.file_requested.emit(path, "text", "char")
    assert window.files.cancel_reading.isVisibleTo(window)
    assert first_piece_read.wait(10)
    window.files.cancel_reading.click()
    may_go_on.set()
    qtbot.waitUntil(lambda: not window.files.cancel_reading.isVisibleTo(window), timeout=10_000)
    assert not window.files.has_project  # and no "Cannot open" dialog (the fixture fails on one)
    assert window.statusBar().currentMessage() == f"{path}: reading was cancelled."
    assert progress and all(isinstance(event, TaskProgress) and event.what == "Reading big.txt" for event in progress)
    assert progress[0].total == 2 * path.stat().st_size  # two passes: counting, then encoding


def test_without_a_cancel_the_text_is_read_and_opened(qtbot, make_window, tmp_path):  # noqa: F811
    path = tmp_path / "small.txt"
    path.write_text("a line of a text\n" * 3000)  # enough for one batch of the default 32 × 100
    window = make_window()
    window.data_panel.file_requested.emit(path, "text", "char")
    qtbot.waitUntil(lambda: window.files.has_project, timeout=20_000)
    assert not window.files.cancel_reading.isVisibleTo(window)
    assert window.bridge.worker.project.corpus.stats()["characters"] == path.stat().st_size
