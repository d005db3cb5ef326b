import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PySide6.QtGui import QImage

from workbench.ui.handwriting import ink_export
from workbench.ui.handwriting.ink_export import ink_bounds, ink_to_png, ink_to_svg

SVG = "{http://www.w3.org/2000/svg}"
INK = [
    np.array([(100.0 + 5 * i, 150.0 + 20 * np.sin(i / 3)) for i in range(30)], dtype=np.float32),
    np.array([(180.0, 60.0)], dtype=np.float32),  # the dot of an i
    np.array([(90.0, 120.0), (260.5, 118.25), (300.0, 119.0)], dtype=np.float32),
]


def path_points(d: str) -> list[tuple[str, float, float]]:
    """(command, x, y) for each command of an "M x y L x y …" path."""
    tokens = d.split()
    assert len(tokens) % 3 == 0
    return [(tokens[i], float(tokens[i + 1]), float(tokens[i + 2])) for i in range(0, len(tokens), 3)]


def test_svg_has_one_path_per_stroke_with_one_command_per_point(tmp_path):
    target = tmp_path / "ink.svg"
    ink_to_svg(INK, target, stroke_width=3.0, margin=10.0)
    root = ElementTree.parse(target).getroot()
    assert root.tag == f"{SVG}svg"
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == len(INK)
    wave = path_points(paths[0].get("d"))
    assert [command for command, _, _ in wave] == ["M"] + ["L"] * 29
    assert np.allclose([(x, y) for _, x, y in wave], INK[0], atol=0.006)  # written to two decimals
    dot = path_points(paths[1].get("d"))
    assert dot == [("M", 180.0, 60.0), ("L", 180.0, 60.0)]  # a zero-length line: SVG draws its round cap
    assert path_points(paths[2].get("d"))[1] == ("L", 260.5, 118.25)
    group = root.find(f"{SVG}g")
    assert group.get("stroke-linecap") == "round" and group.get("fill") == "none" and group.get("stroke-width") == "3"


def test_svg_view_box_is_the_ink_bounds_plus_the_margin(tmp_path):
    target = tmp_path / "ink.svg"
    ink_to_svg(INK, target, margin=10.0)
    left, top, right, bottom = ink_bounds(INK)
    assert (left, top, right, bottom) == (90.0, 60.0, 300.0, pytest.approx(float(INK[0][:, 1].max())))
    x, y, width, height = map(float, ElementTree.parse(target).getroot().get("viewBox").split())
    assert (x, y, width) == (80.0, 50.0, 230.0)
    assert height == pytest.approx(bottom - top + 20, abs=0.01)


def test_empty_ink_is_refused_with_a_clear_message(tmp_path, qapp):
    for empty in ([], [np.zeros((0, 2), np.float32)]):
        with pytest.raises(ValueError, match="no ink to export"):
            ink_to_svg(empty, tmp_path / "empty.svg")
        with pytest.raises(ValueError, match="no ink to export"):
            ink_to_png(empty, tmp_path / "empty.png")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "ink.svg"
    target.write_text("the old drawing")

    def refuse(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(ink_export.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        ink_to_svg(INK, target)
    assert target.read_text() == "the old drawing"
    assert [entry.name for entry in tmp_path.iterdir()] == ["ink.svg"]  # no temporary left behind


def test_png_has_ink_where_the_strokes_are(tmp_path, qapp):
    target = tmp_path / "ink.png"
    ink_to_png(INK, target, width_px=460, margin=10.0, stroke_width=4.0)
    image = QImage(str(target))
    assert not image.isNull() and image.width() == 460
    left, top, right, bottom = ink_bounds(INK)
    scale = 460 / (right - left + 20)
    assert image.height() == round((bottom - top + 20) * scale)

    def at(x, y):  # ink coordinates → the image's pixel
        return image.pixelColor(round((x - left + 10) * scale), round((y - top + 10) * scale))

    for x, y in (INK[0][10], INK[1][0], INK[2][1]):
        assert at(x, y).lightness() < 100
    assert at(280.0, 60.0).lightness() > 240  # white paper away from the ink
    assert image.pixelColor(0, 0).lightness() > 240


def test_png_can_be_transparent_and_overwrites_atomically(tmp_path, qapp):
    target = tmp_path / "ink.png"
    target.write_bytes(b"old")
    ink_to_png(INK, target, width_px=200, background=None)
    image = QImage(str(target))
    assert image.hasAlphaChannel() and image.pixelColor(0, 0).alpha() == 0
    assert sorted(os.listdir(tmp_path)) == ["ink.png"]
    with pytest.raises(ValueError, match="width_px"):
        ink_to_png(INK, target, width_px=0)


def test_png_without_a_qt_application_is_a_clear_error(tmp_path):
    script = (
        "import numpy as np\n"
        "from workbench.ui.handwriting.ink_export import ink_to_png\n"
        "try:\n"
        f"    ink_to_png([np.zeros((2, 2)) + [[0, 0], [5, 5]]], {str(tmp_path / 'x.png')!r})\n"
        "except RuntimeError as error:\n"
        "    print('refused:', error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "refused: ink_to_png draws with Qt" in result.stdout
    assert not (tmp_path / "x.png").exists()
