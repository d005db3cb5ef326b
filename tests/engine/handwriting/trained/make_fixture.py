"""Make the trained handwriting model the slant test reads, from a trained demo project.

    python tests/engine/handwriting/trained/make_fixture.py handwriting.h5

Keeps the model and 40 training and 8 validation lines of the project's data (their
normalisation and alphabet unchanged), so the file stays small: a project as the workbench
saves it, with weights trained on the built-in handwriting.
"""

from __future__ import annotations

import sys
from pathlib import Path

from workbench.engine.data.handwriting.corpus import StrokeCorpus
from workbench.engine.project.project import Project

FIXTURE = Path(__file__).with_name("synthesis.h5")


def main(source: str) -> None:
    trained = Project.open(source)
    corpus = trained.corpus
    train, val = corpus.lines("train")[:40], corpus.lines("val")[:8]
    small = StrokeCorpus(dict(corpus.description), corpus.vocab, corpus.normalisation, train, val)
    project = Project.create(trained.spec, small, trained.config)
    project.model.load_state_dict(trained.model.state_dict())
    project.save(FIXTURE)
    print(f"{FIXTURE}: {trained.spec.template} trained {trained.step:,} steps, {FIXTURE.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
