"""Each use-case demo trained as the app trains it (its suggested model and settings), with the
result it reaches on held-out data and the time it took on this machine.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/use_case_demos.py [--demos names-sex python-tags ...]

Comparisons the issue asks for are run beside the demo's own template: python-tags also with
the stacked (unidirectional) template, dates also with the plain encoder–decoder.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from workbench.engine.captioning import evaluate_captions
from workbench.engine.data import DEMOS, load_demo
from workbench.engine.forecast import evaluate_forecast
from workbench.engine.label_scores import LabelScores
from workbench.engine.starters import new_project
from workbench.engine.translation import evaluate_translation

COMPARED = {"python-tags": ["bidirectional", "stacked"], "dates": ["attention", "encoder-decoder"]}


def result(project) -> str:
    if project.spec.template == "captioning":
        greedy = evaluate_captions(project.model, project.corpus, "val")
        return f"exact match {greedy.exact_match:.1%}, BLEU {100 * greedy.bleu:.1f} (greedy, {greedy.count:,} pictures)"
    if project.spec.is_seq2seq:
        greedy = evaluate_translation(project.model, project.corpus, "val")
        beam = evaluate_translation(project.model, project.corpus, "val", beam_width=4, limit=500)
        return (f"exact match {greedy.exact_match:.1%}, BLEU {100 * greedy.bleu:.1f} (greedy, {greedy.count:,} pairs); "
                f"beam 4: {beam.exact_match:.1%}, BLEU {100 * beam.bleu:.1f} ({beam.count} pairs)")
    if project.corpus.kind == "series":
        return "; ".join(
            f"{h} h ahead: {evaluate_forecast(project.model, project.corpus, h).describe()}" for h in (1, 6, 24, 72)
        )
    validation = project.trainer().evaluate()
    if project.corpus.kind != "labelled":
        baseline = project.corpus.stats()["baseline_loss"]
        ratio = validation.loss / baseline
        return f"validation loss {validation.loss:.4f} = {ratio:.3f}× the baseline's {baseline:.4f}"
    scores = LabelScores(project.corpus.label_names, validation.confusion)
    text = (f"accuracy {scores.accuracy:.1%}, balanced {scores.balanced_accuracy:.1%} "
            f"(commonest label {project.corpus.stats()['majority_share']:.1%})")
    if project.corpus.labelling == "tags":
        text += "; recall " + ", ".join(f"{n} {r:.1%}" for n, r in zip(scores.label_names, scores.recall))
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--demos", nargs="+", default=["names-sex", "python-tags", "dates", "weather", "adding", "copy", "scenes"]
    )
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm", "gru"], help="cells tried on the adding problem")
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"{machine}, torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    for name in args.demos:
        for template in COMPARED.get(name, [None]):
            cells = args.cells if name in ("adding", "copy") else [None]
            for cell in cells:
                corpus = load_demo(name)
                project = new_project(corpus, demo=name, template=template, **({"cell": cell} if cell else {}))
                started = time.perf_counter()
                project.trainer().run(DEMOS[name].steps)
                elapsed = time.perf_counter() - started
                row = (name, project.spec.describe(), f"{DEMOS[name].steps:,}", f"{elapsed:.0f} s", result(project))
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
