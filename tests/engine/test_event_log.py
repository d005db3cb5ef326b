"""The live event file: every event kind comes back as it went, read while it is written, across
a replaced file, and a file that is not one is refused naming it (never unpickled)."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import struct

import numpy as np
import pytest

from workbench.engine.events import (
    HandwritingWritten,
    LayerSnapshot,
    NextPointDensity,
    ProbeSnapshot,
    RunFailed,
    RunFinished,
    RunPaused,
    RunStarted,
    SampleGenerated,
    StepMetrics,
    TaskProgress,
    ValidationResult,
)
from workbench.engine.live.event_log import MAGIC, EventLogError, EventReader, EventWriter, encode_event

RNG = np.random.default_rng(0)


def started(step: int = 0) -> RunStarted:
    return RunStarted("run-002", step, step + 100, "cpu", "CPU (2 threads)", 12_345, "2 × LSTM 64", "tokens")


def layer(name: str, cell_state: bool) -> LayerSnapshot:
    return LayerSnapshot(
        name=name,
        cell="lstm" if cell_state else "gru",
        gate_names=("input", "forget", "cell", "output") if cell_state else ("reset", "update", "new"),
        gates=RNG.random((4 if cell_state else 3, 7, 5), dtype=np.float32),
        cell_state=RNG.random((7, 5), dtype=np.float32) if cell_state else None,
        hidden=RNG.random((7, 5), dtype=np.float32),
        grad_through_time=RNG.random(7, dtype=np.float32),
    )


def every_kind() -> list:
    return [
        started(),
        StepMetrics(5, float("nan"), 1e-3, 1234.5, float("inf"), ("inputs", "encoder.l0", "head"), np.ones(3)),
        ValidationResult(10, 1.5, 2.16, 0.75, np.arange(9, dtype=np.int64).reshape(3, 3), 900, 3, 10, False, 10, 1.5),
        ProbeSnapshot(
            12, np.arange(7, dtype=np.int32), tuple("probe t"), (layer("encoder.l0", True), layer("encoder.l1", False))
        ),
        SampleGenerated(20, "To be, or not — “to be”\n", 0.8, "To"),
        RunPaused(21, True),
        TaskProgress("Validating", 3, None, "batches"),
        HandwritingWritten(
            "hi", 0.5, RNG.random((9, 3), dtype=np.float32), RNG.random((9, 4), dtype=np.float32), None, False, True
        ),
        NextPointDensity(RNG.random((4, 6), dtype=np.float32), (0.0, -1.5, 30.0, 20.0), 0.25),
        RunFailed(22, "the loss became nan at step 22"),
        RunFinished(22, "completed", 3.5, None),
    ]


def assert_same(got, want) -> None:
    assert type(got) is type(want)
    for field in dataclasses.fields(want):
        mine, theirs = getattr(got, field.name), getattr(want, field.name)
        if isinstance(theirs, np.ndarray):
            assert mine.dtype == theirs.dtype and mine.flags.writeable
            np.testing.assert_array_equal(mine, theirs)
        elif isinstance(theirs, tuple) and theirs and dataclasses.is_dataclass(theirs[0]):
            assert isinstance(mine, tuple) and len(mine) == len(theirs)
            for one, other in zip(mine, theirs):
                assert_same(one, other)
        elif isinstance(theirs, float) and np.isnan(theirs):
            assert np.isnan(mine)
        else:
            assert mine == theirs and type(mine) is type(theirs)


def test_every_event_kind_comes_back_as_it_went(tmp_path):
    path = tmp_path / ".p.h5.events"
    sent = every_kind()
    with EventWriter(path) as writer:
        for event in sent:
            writer(event)
    with EventReader(path) as reader:
        got = reader.read()
        assert reader.read() == []
    assert len(got) == len(sent)
    for one, other in zip(got, sent):
        assert_same(one, other)


def test_a_record_half_written_is_read_once_it_is_whole(tmp_path):
    path = tmp_path / "events"
    path.write_bytes(MAGIC)
    reader = EventReader(path)
    assert reader.read() == []
    record = encode_event(SampleGenerated(3, "abc", 1.0, ""))
    with open(path, "ab", buffering=0) as file:
        file.write(record[:9])
        assert reader.read() == []
        file.write(record[9:-1])
        assert reader.read() == []
        file.write(record[-1:] + encode_event(RunPaused(3, False)))
    assert reader.read() == [SampleGenerated(3, "abc", 1.0, ""), RunPaused(3, False)]


def test_a_missing_file_has_no_events_until_it_is_made(tmp_path):
    path = tmp_path / "events"
    reader = EventReader(path)
    assert reader.read() == []
    with EventWriter(path) as writer:
        writer(started())
        assert reader.read() == [started()]


def test_a_replaced_file_is_followed_and_its_run_start_not_told_twice(tmp_path):
    path = tmp_path / "events"
    writer = EventWriter(path, max_bytes=1500)  # about four samples a file
    early = EventReader(path)
    writer(started(40))
    got, inode, replacements = early.read(), os.stat(path).st_ino, 0
    samples = [SampleGenerated(step, "x" * 100, 1.0, "") for step in range(41, 53)]
    for sample in samples:
        writer(sample)
        replacements += os.stat(path).st_ino != inode
        inode = os.stat(path).st_ino
        if sample.step % 2:  # a reader now and then a replacement behind
            got += early.read()
    while more := early.read():
        got += more
    assert replacements > 1
    assert got == [started(40), *samples]
    late = EventReader(path)
    fresh = late.read()
    assert fresh[0] == started(40) and fresh[-1] == samples[-1] and len(fresh) < len(got)
    writer.close()


def test_one_read_is_bounded(tmp_path):
    path = tmp_path / "events"
    with EventWriter(path) as writer:
        for step in range(50):
            writer(SampleGenerated(step, "y" * 1000, 1.0, ""))
    reader = EventReader(path)
    first = reader.read(max_bytes=5000)
    assert 0 < len(first) <= 5
    rest = []
    while more := reader.read(max_bytes=5000):
        rest += more
    assert [event.step for event in first + rest] == list(range(50))


def header_record(header: dict, payload: bytes = b"") -> bytes:
    encoded = json.dumps({"restated": False, **header}).encode()
    return struct.pack("<IQ", len(encoded), len(payload)) + encoded + payload


@pytest.mark.parametrize(
    "body, complaint",
    [
        (header_record({"event": "Popen", "fields": {}, "arrays": []}), "unknown event 'Popen'"),
        (pickle.dumps(started()), "a record of"),
        (struct.pack("<IQ", 1 << 30, 0), "a record of 1,073,741,824"),
        (struct.pack("<IQ", 3, 0) + b"{no", "its header is not JSON"),
        (
            header_record(
                {"event": "RunPaused", "fields": {"step": 1, "paused": True, "when": 2}, "arrays": []}
            ),
            "does not have a RunPaused's fields",
        ),
        (
            header_record(
                {
                    "event": "StepMetrics",
                    "fields": {
                        "step": 1, "loss": 1.0, "learning_rate": 1.0, "tokens_per_s": 1.0, "grad_norm": 1.0,
                        "layer_names": ["a"], "layer_grad_norms": {"array": 0},
                    },
                    "arrays": [{"dtype": "<f4", "shape": [1000], "offset": 0}],
                },
                b"\0" * 16,
            ),
            "run past its record",
        ),
        (
            header_record(
                {"event": "RunPaused", "fields": {"step": {"array": 0}, "paused": True},
                 "arrays": [{"dtype": "|O", "shape": [1], "offset": 0}]},
                b"\0" * 8,
            ),
            "an array of type '|O'",
        ),
        (header_record({"event": "RunPaused", "fields": {"step": "one", "paused": True}, "arrays": []}),
         "its RunPaused.step is not what"),
        (header_record({"event": "RunPaused", "fields": {"step": 1, "paused": True}, "arrays": [], "code": 1}),
         "its header is not an event's"),
        (struct.pack("<IQ", 100_000, 0) + b"[" * 100_000, "its header is not JSON"),
        (
            header_record(
                {"event": "NextPointDensity",
                 "fields": {"image": {"array": 0}, "rect": [0.0, 0.0, 1.0], "end_of_stroke": 0.5},
                 "arrays": [{"dtype": "<f4", "shape": [1], "offset": 0}]},
                b"\0" * 4,
            ),
            "NextPointDensity.rect is not",
        ),
        (
            header_record(
                {"event": "RunPaused", "fields": {"step": {"array": 0}, "paused": True},
                 "arrays": [{"dtype": "|u1", "shape": [4], "offset": 0}] * 1000},
                b"\0" * 4,
            ),
            "arrays are not the 4 bytes of its payload",
        ),
        (
            header_record(
                {"event": "ProbeSnapshot",
                 "fields": {"step": 1, "token_ids": {"array": 0}, "tokens": [],
                            "layers": [{"event": "Popen", "fields": {}}]},
                 "arrays": [{"dtype": "<i4", "shape": [0], "offset": 0}]},
            ),
            "unknown event 'Popen'",
        ),
    ],
)  # fmt: skip
def test_a_record_that_is_no_event_is_refused_naming_the_file(tmp_path, body, complaint):
    path = tmp_path / ".p.h5.events"
    good = encode_event(RunPaused(1, True))
    path.write_bytes(MAGIC + good + body)
    reader = EventReader(path)
    assert reader.read() == [RunPaused(1, True)]  # what came before the bad record is delivered
    with pytest.raises(EventLogError, match=complaint) as refused:
        reader.read()
    assert f"{path}: record at byte {len(MAGIC) + len(good):,}: " in str(refused.value)


def test_a_file_that_is_not_an_event_file_is_refused(tmp_path):
    path = tmp_path / ".p.h5.events"
    path.write_bytes(b"\x80\x04\x95 pickled, or anything else")
    with pytest.raises(EventLogError, match="not a workbench event file"):
        EventReader(path).read()


def test_a_link_or_a_fifo_is_refused_not_followed_nor_waited_on(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_bytes(MAGIC)
    link, fifo = tmp_path / ".p.h5.events", tmp_path / ".q.h5.events"
    link.symlink_to(target)
    os.mkfifo(fifo)
    with pytest.raises(EventLogError, match="p.h5.events: cannot be read: it is a link"):
        EventReader(link).read()
    with pytest.raises(EventLogError, match="q.h5.events: cannot be read: it is not a plain file"):
        EventReader(fifo).read()


def test_a_record_bigger_than_the_file_limit_is_written_whole_and_read_whole(tmp_path):
    path = tmp_path / "events"
    big = HandwritingWritten(
        "x", 0.0, np.ones((5000, 3), np.float32), np.ones((5000, 2), np.float32), None, True, False
    )
    with EventWriter(path, max_bytes=4000) as writer:
        reader = EventReader(path)
        writer(started())
        writer(RunPaused(1, True))
        assert reader.read() == [started(), RunPaused(1, True)]
        inode = os.stat(path).st_ino
        writer(big)
        assert os.stat(path).st_ino != inode and os.stat(path).st_size > 4000
        got = reader.read(max_bytes=1000)  # smaller than the record, which comes whole all the same
    assert len(got) == 1
    assert_same(got[0], big)


def test_a_new_run_in_the_file_is_told_even_when_its_file_was_replaced_already(tmp_path):
    path = tmp_path / "events"
    reader = EventReader(path)
    with EventWriter(path) as first:
        first(started(0))
        assert reader.read() == [started(0)]
    with EventWriter(path, max_bytes=600) as second:  # the next run, one replacement in before the reader looks
        second(started(50))
        second(SampleGenerated(51, "z" * 300, 1.0, ""))
        second(SampleGenerated(52, "z" * 300, 1.0, ""))
        assert reader.read() == [started(50), SampleGenerated(52, "z" * 300, 1.0, "")]


def test_an_array_no_reader_takes_is_refused_when_written(tmp_path):
    with EventWriter(tmp_path / "events") as writer:
        with pytest.raises(TypeError, match="no arrays of object"):
            writer(StepMetrics(1, 1.0, 1.0, 1.0, 1.0, ("a",), np.array([None], dtype=object)))
