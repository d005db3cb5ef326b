"""The engine worker: every torch call on one thread, requests answered between steps."""

import threading
import time

import pytest
from tiny import Recorder, make_project

from workbench.engine.common.errors import DataError
from workbench.engine.events import RunFailed, RunFinished, StepMetrics
from workbench.engine.training.worker import EngineWorker


@pytest.fixture
def worker():
    recorder = Recorder()
    worker = EngineWorker(recorder)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    yield worker, recorder, thread
    worker.quit()
    thread.join(timeout=10)
    assert not thread.is_alive()


def wait_until(condition, timeout=10.0):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


def test_work_runs_on_the_worker_thread(worker):
    worker, _, thread = worker
    assert worker.submit(threading.get_ident).result(timeout=5) == thread.ident


def test_errors_in_work_reach_the_caller(worker):
    worker, _, _ = worker
    future = worker.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result(timeout=5)
    assert worker.submit(lambda: "still serving").result(timeout=5) == "still serving"


def test_training_in_the_background_answers_requests_between_steps(worker, text_corpus):
    worker, recorder, thread = worker
    worker.submit(lambda: setattr(worker, "project", make_project(text_corpus))).result(timeout=5)
    worker.train(100_000)
    wait_until(lambda: worker.training and len(recorder.of(StepMetrics)) >= 3)
    steps = [worker.submit(lambda: worker.project.step).result(timeout=5) for _ in range(3)]
    assert steps == sorted(steps) and steps[0] > 0
    worker.control.pause()
    paused = worker.submit(lambda: worker.project.step).result(timeout=5)
    time.sleep(0.2)
    assert worker.submit(lambda: worker.project.step).result(timeout=5) == paused
    worker.control.resume()
    wait_until(lambda: worker.project.step > paused)
    worker.control.stop()
    wait_until(lambda: not worker.training)
    assert recorder.events[-1].__class__ is RunFinished and recorder.events[-1].reason == "stopped"


def test_an_unexpected_error_in_training_is_reported_and_the_worker_lives_on(worker, text_corpus):
    worker, recorder, _ = worker

    def broken_project():
        project = make_project(text_corpus)
        project.trainer().model.head.loss = lambda prediction, target: 1 / 0
        worker.project = project

    worker.submit(broken_project).result(timeout=5)
    worker.train(10)
    wait_until(lambda: recorder.of(RunFailed))
    assert "unexpected error: division by zero" in recorder.of(RunFailed)[0].reason
    assert worker.submit(lambda: 42).result(timeout=5) == 42


def test_a_damaged_file_read_while_training_is_said_in_words_without_a_traceback(worker, text_corpus, capfd):
    worker, recorder, _ = worker

    def damaged_project():
        project = make_project(text_corpus)

        def refuse(prediction, target):
            raise DataError("p.h5: its '/data/arrays/train' cannot be read: it is damaged")

        project.trainer().model.head.loss = refuse
        worker.project = project

    worker.submit(damaged_project).result(timeout=5)
    worker.train(10)
    wait_until(lambda: recorder.of(RunFailed))
    assert (
        recorder.of(RunFailed)[0].reason
        == "training stopped: p.h5: its '/data/arrays/train' cannot be read: it is damaged"
    )
    assert "Traceback" not in capfd.readouterr().err
    assert worker.submit(lambda: 42).result(timeout=5) == 42
