"""``workbench new --text`` on a user's text of any size: word vocabulary bounds, the reading bar,
and Ctrl-C leaving nothing behind (issue 21, section 1)."""

import io

import h5py
import pytest

from workbench.cli import main
from workbench.cli.progress import ReadingBar
from workbench.engine.data import text_chunks
from workbench.engine.project.project import Project

PROSE = "It was the best of times, it was the worst of times; it was the age of wisdom.\n" * 40


@pytest.fixture
def prose(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text(PROSE, encoding="utf-8")
    return path


def test_max_vocab_keeps_the_commonest_words(tmp_path, prose, capsys):
    target = tmp_path / "p.h5"
    assert (
        main(
            [
                "new",
                str(target),
                "--text",
                str(prose),
                "--level",
                "word",
                "--max-vocab",
                "4",
                "--seq-len",
                "16",
                "--batch-size",
                "4",
            ]
        )
        == 0
    )
    assert "vocabulary of 5," in capsys.readouterr().out  # <unk> and the four
    project = Project.open(target)
    assert project.corpus.vocab.tokens == ("<unk>", "of", "the", "was", "it")  # 3, 3, 3 and 2 a line
    with h5py.File(target) as file:
        assert file["data/arrays/train"].attrs["streamed"]


@pytest.mark.parametrize("extra", [["--max-vocab", "50"], ["--level", "word", "--max-vocab", "0"]])
def test_a_max_vocab_that_cannot_apply_is_refused_before_reading(tmp_path, prose, capsys, extra):
    target = tmp_path / "p.h5"
    assert main(["new", str(target), "--text", str(prose), *extra]) == 2
    assert "max-vocab" in capsys.readouterr().err
    assert not target.exists()


def test_ctrl_c_while_reading_writes_nothing(tmp_path, prose, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        yield PROSE
        raise KeyboardInterrupt

    monkeypatch.setattr("workbench.engine.data.text_streaming.text_chunks", interrupted)
    target = tmp_path / "p.h5"
    assert main(["new", str(target), "--text", str(prose), "--force"]) == 130
    assert f"cancelled; {target} was not written" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["prose.txt"]  # no scratch, no temporary


def test_the_reading_bar_logs_tenths_of_a_large_file_and_nothing_of_a_small_one():
    log = io.StringIO()
    bar = ReadingBar("Reading big.txt", log, interactive=False)
    total = 2 * ReadingBar.LOGGED_BYTES
    for done in [*range(0, total, total // 40), total]:
        bar(done, total)
    lines = log.getvalue().splitlines()
    assert lines[0] == "Reading big.txt: 0%" and lines[-1] == "Reading big.txt: 100%" and len(lines) == 11
    quiet = io.StringIO()
    small = ReadingBar("Reading small.txt", quiet, interactive=False)
    small(10, 100)
    small(100, 100)
    assert quiet.getvalue() == ""


def test_chunks_are_read_in_pieces_of_the_size_asked(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("abcdefghij" * 10)
    assert [len(piece) for piece in text_chunks.text_chunks(path, chunk_bytes=30)] == [30, 30, 30, 10]
