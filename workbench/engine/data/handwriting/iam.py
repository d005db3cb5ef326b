"""The IAM On-Line Handwriting Database (IAM-OnDB), the data of Graves (2013), section 4.1.

Each written line is ``lineStrokes/a01/a01-000/a01-000u-01.xml``: a ``<StrokeSet>`` of
``<Stroke>`` elements, each a list of ``<Point x=".." y=".."/>`` in whiteboard units with y
pointing down. The form's transcription is ``ascii/a01/a01-000/a01-000u.txt``, whose text lines
follow a ``CSR:`` line and a blank line; text line 1 belongs to the stroke file ending ``-01``.

Files are parsed with ``xml.etree.ElementTree``, which never fetches external entities; stroke
files with a document type declaration are refused, which also shuts out entity expansion.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...common.errors import DataError
from .strokes import StrokeSample, strokes_to_offsets

LINE_FILE_NAME = re.compile(r"(?P<form>.+)-(?P<line>\d+)\.xml")  # a01-000u-01.xml
TRANSCRIPTION_MARK = "CSR:"


@dataclass(frozen=True, eq=False)
class IamCorpus:
    """The lines of IAM-OnDB that have a transcription, and why the others were left out."""

    samples: list[StrokeSample]  # writer = the form id, e.g. "a01-000u"
    skipped: list[str]  # one sentence per line left out, naming the file


def load_iam_ondb(root: Path, limit: int | None = None) -> IamCorpus:
    """Every line under ``root/lineStrokes`` paired with its text from ``root/ascii``, in path order.

    Lines whose form has no transcription file, or whose number is past the transcription's
    last line, are skipped and listed in ``skipped``; a damaged file raises DataError. ``limit``
    stops after that many samples.
    """
    root = Path(root)
    strokes_folder = root / "lineStrokes"
    if not strokes_folder.is_dir():
        raise DataError(f"{root}: there is no lineStrokes folder, so this is not IAM-OnDB.")
    line_files = sorted(strokes_folder.rglob("*.xml"))
    if not line_files:
        raise DataError(f"{strokes_folder}: there are no stroke files (*.xml) in it.")
    samples: list[StrokeSample] = []
    skipped: list[str] = []
    transcriptions: dict[Path, list[str] | None] = {}  # by ascii file; None when it is missing
    for line_file in line_files:
        if limit is not None and len(samples) >= limit:
            break
        text = _line_text(root, line_file, transcriptions, skipped)
        if text is not None:
            sample = load_iam_line(line_file)
            form = LINE_FILE_NAME.fullmatch(line_file.name)["form"]
            samples.append(StrokeSample(sample.points, text, form))
    return IamCorpus(samples, skipped)


def load_iam_line(xml_path: Path) -> StrokeSample:
    """One stroke file as offsets, its first point moved to the origin; the text is left empty."""
    xml_path = Path(xml_path)
    name = xml_path.name
    try:
        data = xml_path.read_bytes()
    except OSError as error:
        raise DataError(f"{name}: the file cannot be read ({error.strerror or error}).") from None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DataError(f"{name}: stroke files may not declare a document type or entities.")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise DataError(f"{name}: the XML is broken ({error}).") from None
    stroke_set = next(root.iter("StrokeSet"), None)
    if stroke_set is None:
        raise DataError(f"{name}: there is no <StrokeSet> element.")
    paths = [_stroke_points(name, number, stroke) for number, stroke in enumerate(stroke_set.iter("Stroke"), 1)]
    paths = [path for path in paths if len(path)]
    if not paths:
        raise DataError(f"{name}: the strokes have no points.")
    origin = paths[0][0]
    return StrokeSample(strokes_to_offsets([path - origin for path in paths]))


def read_transcription(ascii_path: Path) -> list[str]:
    """The text lines after ``CSR:`` and its blank line, trailing blank lines dropped."""
    ascii_path = Path(ascii_path)
    try:
        lines = ascii_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        raise DataError(f"{ascii_path.name}: the file cannot be read ({error.strerror or error}).") from None
    marks = [i for i, line in enumerate(lines) if line.strip() == TRANSCRIPTION_MARK]
    if not marks:
        raise DataError(f"{ascii_path.name}: there is no '{TRANSCRIPTION_MARK}' line before the text.")
    text = [line.strip() for line in lines[marks[0] + 1 :]]
    while text and not text[0]:
        text.pop(0)
    while text and not text[-1]:
        text.pop()
    return text


def _line_text(
    root: Path, line_file: Path, transcriptions: dict[Path, list[str] | None], skipped: list[str]
) -> str | None:
    """The transcription of one stroke file, or None (and a note in ``skipped``) when it has none."""
    match = LINE_FILE_NAME.fullmatch(line_file.name)
    if match is None:
        skipped.append(f"{line_file.name}: the name does not end in a line number like '-01.xml'.")
        return None
    folder = line_file.parent.relative_to(root / "lineStrokes")
    ascii_file = root / "ascii" / folder / f"{match['form']}.txt"
    if ascii_file not in transcriptions:
        transcriptions[ascii_file] = read_transcription(ascii_file) if ascii_file.is_file() else None
    text_lines = transcriptions[ascii_file]
    number = int(match["line"])
    if text_lines is None:
        skipped.append(f"{line_file.name}: there is no transcription {ascii_file.relative_to(root)}.")
        return None
    if not 1 <= number <= len(text_lines):
        skipped.append(
            f"{line_file.name}: {ascii_file.relative_to(root)} has no line {number} (it has {len(text_lines)})."
        )
        return None
    return text_lines[number - 1]


def _stroke_points(name: str, stroke_number: int, stroke: ElementTree.Element) -> np.ndarray:
    """The ``(n, 2)`` x, y of a ``<Stroke>``'s points, or DataError naming the bad one."""
    points = []
    for number, point in enumerate(stroke.iter("Point"), 1):
        where = f"{name}: stroke {stroke_number}, point {number}"
        for axis in ("x", "y"):
            if axis not in point.attrib:
                raise DataError(f"{where} has no {axis} attribute.")
        try:
            points.append((float(point.attrib["x"]), float(point.attrib["y"])))
        except ValueError:
            raise DataError(
                f"{where} has a coordinate that is not a number: x={point.attrib['x']!r}, y={point.attrib['y']!r}."
            ) from None
    coordinates = np.array(points, np.float64).reshape(-1, 2)
    if not np.isfinite(coordinates).all():
        raise DataError(f"{name}: stroke {stroke_number} has a coordinate that is infinite or not a number.")
    return coordinates
