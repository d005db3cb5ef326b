"""Each use-case demo trained as the app trains it (its suggested model and settings), scored on
its whole validation split beside its task's baselines, with the time it took on this machine.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/use_case_demos.py [--demos names-sex dates ...]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/use_case_demos.py --readme README.md

The first prints a benchmark row per run (for docs/benchmarks.md); with ``--readme`` the
README's use-case table gets each trained demo's result and baseline columns anew (rows of
demos not trained this time are kept as they are). Comparisons run beside the demo's own
template: python-tags also left to right, dates also without attention.
"""

from __future__ import annotations

import argparse
import platform
import re
import time
from pathlib import Path

import torch

from workbench.engine.data import DEMOS, load_demo
from workbench.engine.project.starters import new_project
from workbench.engine.scoring.evaluation import evaluate
from workbench.engine.scoring.scores import Evaluation

COMPARED = {"python-tags": ["bidirectional", "stacked"], "dates": ["attention", "encoder-decoder"]}
TRAINED = ["names", "names-sex", "python-tags", "dates", "weather", "adding", "copy", "scenes"]
TABLE_HEADER = "| demo (File ▸ New from demo) | task | model | result on held-out data | baseline |"
ROW = re.compile(r"^\| (?P<title>[^|]+) \| (?P<task>[^|]+) \| (?P<model>[^|]+) \| (?P<rest>.*)\|$")


def result_text(evaluation: Evaluation) -> str:
    """'accuracy 85.5 % (whole split, 516 items)'."""
    return f"{evaluation.headline.name} {evaluation.headline.text()} ({evaluation.count:,} {evaluation.counted})"


def baseline_text(evaluation: Evaluation) -> str:
    """'bag-of-tokens logistic regression 85.3 %: level with it'."""
    best = evaluation.best_baseline
    if best is None:
        return "—"
    standing = evaluation.verdict().split(" ", 1)[0]  # better, level, worse
    word = {"better": "**beaten**", "level": "level", "worse": "**not reached**"}[standing]
    return f"{best.name} {evaluation.headline.text(best.value)}: {word}"


def readme_cells(scored: list[tuple[str | None, Evaluation]]) -> tuple[str, str]:
    """A demo's result and baseline cells: its own template's run, or (the lab's tasks) every cell's."""
    cell, evaluation = scored[0]
    if cell is None:
        return result_text(evaluation), baseline_text(evaluation)
    results = " · ".join(f"{cell.upper()} {e.headline.text()}" for cell, e in scored)
    best = evaluation.best_baseline
    standings = ", ".join(f"{cell.upper()} {baseline_text(e).rsplit(': ', 1)[1]}" for cell, e in scored)
    return results, f"{best.name} {evaluation.headline.text(best.value)}: {standings}"


def train_and_score(name: str, template: str | None, cell: str | None) -> tuple:
    project = new_project(load_demo(name), demo=name, template=template, **({"cell": cell} if cell else {}))
    started = time.perf_counter()
    trainer = project.trainer()
    trainer.run(DEMOS[name].steps)
    elapsed = time.perf_counter() - started
    return project, evaluate(trainer), elapsed


def rewrite_readme(path: Path, rows: dict[str, tuple[str, str]]) -> None:
    """The README's use-case table with new result and baseline cells for the titles in ``rows``."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("| demo (File ▸ New from demo) |"))
    lines[start], lines[start + 1] = TABLE_HEADER, "|---|---|---|---|---|"
    index = start + 2
    while index < len(lines) and lines[index].startswith("|"):
        match = ROW.match(lines[index])
        cells = [cell.strip() for cell in match["rest"].split("|")]
        result, baseline = rows.get(match["title"].strip(), (cells[0], cells[1] if len(cells) > 1 else "—"))
        lines[index] = (
            f"| {match['title'].strip()} | {match['task'].strip()} | {match['model'].strip()} | {result} | {baseline} |"
        )
        index += 1
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demos", nargs="+", default=TRAINED, choices=sorted(DEMOS))
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm", "gru"], help="cells tried on the lab's tasks")
    parser.add_argument("--readme", type=Path, default=None, help="rewrite this README's use-case table")
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"{machine}, torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    readme_rows: dict[str, tuple[str, str]] = {}
    runs: dict[str, list[tuple[str | None, Evaluation]]] = {}
    for name in args.demos:
        cells = args.cells if name in ("adding", "copy") else [None]
        for template in COMPARED.get(name, [None]):
            for cell in cells:
                project, evaluation, elapsed = train_and_score(name, template, cell)
                row = (
                    name,
                    project.spec.describe(),
                    f"{DEMOS[name].steps:,}",
                    f"{elapsed:.0f} s",
                    result_text(evaluation),
                    baseline_text(evaluation),
                )
                print("| " + " | ".join(row) + " |", flush=True)
                runs.setdefault(DEMOS[name].title, []).append((cell, evaluation))
    for title, scored in runs.items():
        readme_rows[title] = readme_cells(scored)
    if args.readme is not None:
        rewrite_readme(args.readme, readme_rows)
        print(f"Rewrote the use-case table of {args.readme}.")


if __name__ == "__main__":
    main()
