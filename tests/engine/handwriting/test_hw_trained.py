"""A model trained on the built-in handwriting (trained/synthesis.h5, made by trained/make_fixture.py):
priming carries the writer's style into what it writes."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from workbench.engine.data.handwriting.strokes import offsets_to_strokes, slant_degrees
from workbench.engine.data.handwriting.synthetic import WriterStyle, write_line
from workbench.engine.inference.writing import Primer, write
from workbench.engine.project.project import Project

FIXTURE = Path(__file__).parent / "trained" / "synthesis.h5"
PRIMER_TEXT = "the quick brown fox jumps"  # tall letters: their down-strokes carry the slant
SEEDS = range(4)


@pytest.fixture(scope="module")
def trained():
    return Project.open(FIXTURE)


def primed_slant(project: Project, slant: float) -> tuple[float, float]:
    """The primer's measured slant and the median slant of what the model writes after it."""
    style = replace(WriterStyle.random(np.random.default_rng(5)), slant=slant, face="cursive")
    line = write_line(PRIMER_TEXT, style, np.random.default_rng(1))
    primer = Primer(tuple(offsets_to_strokes(line.points)), line.text)
    written = [write(project.model, project.corpus, "north house river", 1.0, primer, seed) for seed in SEEDS]
    return slant_degrees(line.points), float(np.nanmedian([slant_degrees(w.points) for w in written]))


def test_a_slanted_primer_gives_slanted_writing(trained):
    right_primer, right = primed_slant(trained, 30.0)
    upright_primer, upright = primed_slant(trained, -5.0)
    assert right_primer - upright_primer > 25  # the primers differ as asked
    told = f"primed at {right_primer:.0f}° it wrote at {right:.0f}°; at {upright_primer:.0f}°, {upright:.0f}°"
    assert right - upright > 20, told  # measured: 29° after a 30° primer, -4° after a -5° one
    assert abs(right - right_primer) < 10 and abs(upright - upright_primer) < 10, told
