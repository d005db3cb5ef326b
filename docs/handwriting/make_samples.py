"""The handwriting figures of the README and docs/benchmarks.md, from a trained synthesis project.

    python docs/handwriting/make_samples.py PROJECT.h5 [--out docs/handwriting]

Writes, for words that are not in any training line:
- plain.png: bias 0, three seeds (as varied as the model's hand);
- biased.png: bias 0.5, 1 and 2 (section 5.4: neater as b grows);
- primed.png: two training writers of opposite slant, each line primed with their own ink
  (grey) and continued in their hand (dark);
and prints the held-out negative log-likelihood over whole validation lines and the slants.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.engine.data.handwriting.strokes import offsets_to_strokes, slant_degrees, strokes_to_offsets  # noqa: E402
from workbench.engine.inference.writing import Primer, write  # noqa: E402
from workbench.engine.project.project import Project  # noqa: E402
from workbench.ui.handwriting.ink import INK_COLOR, ink_pen, stroke_path  # noqa: E402

TEXTS = ("sequence workbench", "lexicon zebra")  # no training line holds these words
PRIMER_INK = QColor("#9aa0a6")
ROW_HEIGHT, WIDTH, LABEL = 150, 1400, 170  # pixels


def held_out_nll(project: Project) -> tuple[float, int]:
    """Mean loss in nats per line over every whole validation line (not cut at seq_len)."""
    corpus, model = project.corpus, project.model
    lines = corpus.lines("val")
    longest = max(len(line.points) for line in lines)
    batches = corpus.batcher("val", len(lines), longest + 1, seed=0)  # one batch: every line
    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for batch in batches.epoch_batches():
            loss, _ = model.batch_loss(batch, None, torch.device("cpu"))
            total += float(loss) * batch.loss_weight
            count += batch.loss_weight
    return total / count, count


def unseen(project: Project, texts: tuple[str, ...]) -> None:
    seen = {word for split in ("train", "val") for line in project.corpus.lines(split) for word in line.text.split()}
    for text in texts:
        known = [word for word in text.split() if word in seen]
        if known:
            sys.exit(f"{text!r} has words from the training data: {known}")


def contrasting_writers(project: Project) -> list[Primer]:
    """A line of the most right-leaning and of the most upright training writer, 3 to 5 words each."""
    by_writer: dict[str, list] = {}
    for line in project.corpus.lines("train"):
        by_writer.setdefault(line.writer, []).append(line)
    slants = {
        writer: np.nanmedian([slant_degrees(line.points) for line in lines]) for writer, lines in by_writer.items()
    }
    ranked = sorted((writer for writer in slants if np.isfinite(slants[writer])), key=slants.get)
    primers = []
    for writer in (ranked[-1], ranked[0]):
        line = next((line for line in by_writer[writer] if 3 <= len(line.text.split()) <= 5), by_writer[writer][0])
        primers.append(Primer(tuple(offsets_to_strokes(line.points)), line.text))
    return primers


def figure(rows: list[tuple[str, list[tuple[list[np.ndarray], QColor]]]], path: Path) -> None:
    """One row a line: its label, then its strokes (groups of strokes, each in its colour)."""
    image = QImage(WIDTH, ROW_HEIGHT * len(rows), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(QFont("DejaVu Sans", 11))
    for index, (label, groups) in enumerate(rows):
        top = index * ROW_HEIGHT
        painter.setPen(QColor("#5f6368"))
        painter.drawText(QRectF(10, top, LABEL - 20, ROW_HEIGHT), Qt.AlignmentFlag.AlignVCenter, label)
        every = [stroke for strokes, _ in groups for stroke in strokes]
        lows = np.concatenate(every).min(axis=0)
        highs = np.concatenate(every).max(axis=0)
        span = np.maximum(highs - lows, 1e-6)
        factor = min((ROW_HEIGHT - 30) / span[1], (WIDTH - LABEL - 20) / span[0])
        painter.save()
        painter.translate(QPointF(LABEL, top + 15))
        painter.scale(factor, factor)
        painter.translate(QPointF(-lows[0], -lows[1]))
        for strokes, colour in groups:
            painter.setPen(ink_pen(colour, 2.2 / factor))
            for stroke in strokes:
                painter.drawPath(stroke_path(stroke.astype(np.float32)))
        painter.restore()
    painter.end()
    image.save(str(path))


def written_strokes(project: Project, text: str, bias: float, seed: int, primer: Primer | None = None):
    written = write(project.model, project.corpus, text, bias, primer, seed)
    start = primer.strokes[-1][-1] if primer is not None else np.zeros(2)
    return [stroke + start for stroke in offsets_to_strokes(written.points)], written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args(argv)
    QApplication.instance() or QApplication([])
    torch.set_num_threads(1)
    project = Project.open(args.project)
    unseen(project, TEXTS)
    nll, lines = held_out_nll(project)
    print(f"{args.project}: step {project.step:,}; held-out NLL {nll:.1f} nats per line over {lines} whole lines")

    text = TEXTS[0]
    plain = [(f"b = 0, seed {seed}", [(written_strokes(project, text, 0.0, seed)[0], INK_COLOR)]) for seed in range(3)]
    figure(plain, args.out / "plain.png")
    biased = [(f"b = {bias:g}", [(written_strokes(project, text, bias, 7)[0], INK_COLOR)]) for bias in (0.5, 1.0, 2.0)]
    figure(biased, args.out / "biased.png")

    rows = []
    for number, primer in enumerate(contrasting_writers(project), 1):
        strokes, written = written_strokes(project, TEXTS[1], 1.0, 3, primer)
        primer_slant = slant_degrees(strokes_to_offsets(primer.strokes))
        print(
            f"writer {number}: primer {primer.text!r} slant {primer_slant:.1f}°, "
            f"continuation slant {slant_degrees(written.points):.1f}°"
        )
        rows.append((f"hand {number}", [(list(primer.strokes), PRIMER_INK), (strokes, INK_COLOR)]))
    figure(rows, args.out / "primed.png")
    print(f"wrote {', '.join(str(args.out / name) for name in ('plain.png', 'biased.png', 'primed.png'))}")


if __name__ == "__main__":
    main()
