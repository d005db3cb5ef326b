"""The IAM-OnDB loader on small fake copies of the database, whole and broken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.engine.common.errors import DataError
from workbench.engine.data.handwriting.iam import load_iam_line, load_iam_ondb, read_transcription

HEADER = "Data:\nWriter-ID: 10000\n\nOCR:\n\nA MOVE to stop Mr. Gaitskell\nfrom nominating any\n\n"


def stroke_xml(strokes: list[list[tuple[object, object]]]) -> str:
    body = "".join(
        '<Stroke colour="black" start_time="0" end_time="1">'
        + "".join(f'<Point x="{x}" y="{y}" time="0.5"/>' for x, y in stroke)
        + "</Stroke>"
        for stroke in strokes
    )
    return f'<?xml version="1.0"?><WhiteboardCaptureSession><StrokeSet>{body}</StrokeSet></WhiteboardCaptureSession>'


def write_form(root: Path, form: str, lines: dict[int, str], text: list[str] | None) -> None:
    """Stroke files ``form-NN.xml`` with the given XML, and the form's transcription if given."""
    folder = Path(form[:3], form[:7])
    (root / "lineStrokes" / folder).mkdir(parents=True, exist_ok=True)
    for number, xml in lines.items():
        (root / "lineStrokes" / folder / f"{form}-{number:02d}.xml").write_text(xml)
    if text is not None:
        (root / "ascii" / folder).mkdir(parents=True, exist_ok=True)
        (root / "ascii" / folder / f"{form}.txt").write_text(HEADER + "CSR:\n\n" + "\n".join(text) + "\n\n")


def test_a_line_becomes_offsets_from_its_first_point(tmp_path):
    path = tmp_path / "a01-000u-01.xml"
    path.write_text(stroke_xml([[(1073, 1366), (1080, 1360)], [], [(1100, 1370), (1101, 1372), (1105, 1371)]]))
    sample = load_iam_line(path)
    expected = [[0, 0, 0], [7, -6, 1], [20, 10, 0], [1, 2, 0], [4, -1, 1]]
    np.testing.assert_array_equal(sample.points, np.array(expected, np.float32))
    assert sample.text == "" and sample.writer == ""


def test_transcription_is_the_text_after_csr(tmp_path):
    path = tmp_path / "a01-000u.txt"
    path.write_text(HEADER + "CSR:\n\nA MOVE to stop Mr. Gaitskell\n  from nominating any  \n\n\n")
    assert read_transcription(path) == ["A MOVE to stop Mr. Gaitskell", "from nominating any"]


def test_the_database_pairs_lines_with_text_and_counts_the_rest(tmp_path):
    line = stroke_xml([[(0, 0), (3, 4)]])
    write_form(tmp_path, "a01-000u", {1: line, 2: line, 3: line}, ["first line", "second line"])
    write_form(tmp_path, "a01-001w", {1: line}, None)
    write_form(tmp_path, "b02-010x", {1: line}, ["only line"])
    corpus = load_iam_ondb(tmp_path)
    assert [(s.writer, s.text) for s in corpus.samples] == [
        ("a01-000u", "first line"),
        ("a01-000u", "second line"),
        ("b02-010x", "only line"),
    ]
    assert len(corpus.skipped) == 2
    assert "a01-000u-03.xml" in corpus.skipped[0] and "no line 3" in corpus.skipped[0]
    assert "a01-001w-01.xml" in corpus.skipped[1] and "no transcription" in corpus.skipped[1]
    assert [s.text for s in load_iam_ondb(tmp_path, limit=1).samples] == ["first line"]


@pytest.mark.parametrize(
    "xml, problem",
    [
        ("<WhiteboardCaptureSession><StrokeSet><Stroke>", "the XML is broken"),
        (stroke_xml([[], []]), "the strokes have no points"),
        (stroke_xml([[(1, 2)], [(3, "4a")]]), "stroke 2, point 1 has a coordinate that is not a number"),
        (stroke_xml([[(1, 2), (2, "nan")]]), "stroke 1 has a coordinate that is infinite or not a number"),
        (stroke_xml([[(1, 2)]]).replace('x="1" ', ""), "stroke 1, point 1 has no x attribute"),
        ("<WhiteboardCaptureSession></WhiteboardCaptureSession>", "there is no <StrokeSet> element"),
        ('<!DOCTYPE lol [<!ENTITY a "aaaa">]>' + stroke_xml([[(1, 2)]]), "may not declare a document type"),
    ],
)
def test_a_broken_line_file_names_the_file_and_the_problem(tmp_path, xml, problem):
    path = tmp_path / "a01-000u-04.xml"
    path.write_text(xml)
    with pytest.raises(DataError, match=problem) as caught:
        load_iam_line(path)
    assert str(caught.value).startswith("a01-000u-04.xml: ")


def test_a_transcription_without_csr_is_a_data_error(tmp_path):
    write_form(tmp_path, "a01-000u", {1: stroke_xml([[(0, 0)]])}, ["text"])
    ascii_file = tmp_path / "ascii" / "a01" / "a01-000" / "a01-000u.txt"
    ascii_file.write_text(HEADER)
    with pytest.raises(DataError, match="a01-000u.txt: there is no 'CSR:' line"):
        load_iam_ondb(tmp_path)


def test_a_folder_that_is_not_the_database_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="there is no lineStrokes folder"):
        load_iam_ondb(tmp_path)
    (tmp_path / "lineStrokes").mkdir()
    with pytest.raises(DataError, match="there are no stroke files"):
        load_iam_ondb(tmp_path)
