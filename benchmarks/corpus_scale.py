"""A user's own text at real size: ``workbench new --text`` and training, from 10 MB to 1 GB.

For each size the benchmark writes a text (seeded: lines of words drawn from a Zipf-like law
over the words of the Python standard library's sources, so the vocabulary and line lengths are
those of real text), then, each in a fresh process so that its peak resident memory is its own:

- ``new``: what the command line's ``new --text`` does (character level, default model), timed
  in its parts: reading and encoding the text (and its MB/s), counting its n-gram baselines (on
  a bounded sample: about the same time at any size), making and saving the project; its peak
  RSS, and the size of the project file;
- opening: ``Project.open`` and what the window's Data panel shows (statistics and preview);
- training: 100 steps of the project's model (its periodic validations included, not the
  validation of the whole held-out split a completed run ends with), peak RSS before and after.

    python benchmarks/corpus_scale.py [--sizes 10 100 1000] [--folder /tmp/corpus-scale]

Goals (issue 21): peak RSS of ``new`` under 1 GB at 1 GB of text; training's RSS grows by under
50 MB from 10 MB to 1 GB of text; ``new`` at 20 MB/s or more on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np
from machine import describe_machine

MB = 1_000_000
STEPS = 100


def write_text(path: Path, size: int, seed: int = 0) -> None:
    """``size`` bytes of generated lines, written a few megabytes at a time."""
    library = Path(sysconfig.get_paths()["stdlib"])
    words = sorted(
        {
            word
            for file in sorted(library.glob("*.py"))[:200]
            for word in re.findall(r"[A-Za-z]+", file.read_text(errors="replace"))
        }
    )
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    vocabulary = np.array([*words, ".\n"], dtype=object)  # a line ends after about ten words
    weights = np.append(weights * 0.9, 0.1)
    with path.open("w", encoding="utf-8") as file:
        written = 0
        while written < size:
            block = " ".join(vocabulary[rng.choice(len(vocabulary), 400_000, p=weights)])
            block = block.replace("\n ", "\n")[: size - written]
            file.write(block)
            written += len(block.encode())


def in_child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter on one core; it prints one JSON line."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


PEAK = "import resource; peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024"

NEW = (
    PEAK
    + """
import json, time, torch
from pathlib import Path
torch.set_num_threads(1)
from workbench.engine.data.own_data import load_own_data
from workbench.engine.project.starters import new_project
from workbench.engine.scoring.counted_baselines import counted_baselines
# What `workbench new --text` does, timed in its parts.
started = time.perf_counter()
corpus = load_own_data({text!r}, "text", streaming={{"scratch_dir": Path({project!r}).parent}})
read = time.perf_counter()
corpus.description["counted_baselines"] = counted_baselines(corpus)
counted = time.perf_counter()
new_project(corpus).save({project!r})
saved = time.perf_counter()
print(json.dumps({{"read_s": read - started, "count_s": counted - read, "save_s": saved - counted,
                   "seconds": saved - started, "peak_mb": peak()}}))
"""
)

TRAIN = (
    PEAK
    + """
import json, time, torch
torch.set_num_threads(1)
from workbench.engine.project.project import Project
from workbench.engine.training.callbacks import Callback

class StopAt(Callback):
    # Stopped, not completed: a completed run ends with a validation on the whole held-out split,
    # which is not what is measured here (and at 1 GB takes hours: docs/benchmarks.md).
    def on_step_end(self, trainer):
        if trainer.step >= {steps}:
            trainer.control.stop()

started = time.perf_counter()
project = Project.open({project!r})
snapshot = project.snapshot()
opened = time.perf_counter() - started
before = peak()
trained = time.perf_counter()
project.trainer(callbacks=[StopAt()]).run({steps} + 1)
print(json.dumps({{"open_s": opened, "before_mb": before, "peak_mb": peak(), "step": project.step,
                   "train_s": time.perf_counter() - trained}}))
"""
)


def measure(size_mb: int, folder: Path) -> dict:
    text, project = folder / f"text-{size_mb}mb.txt", folder / f"project-{size_mb}mb.h5"
    if not text.exists() or text.stat().st_size != size_mb * MB:
        write_text(text, size_mb * MB)
    new = in_child(NEW.format(project=str(project), text=str(text)))
    train = in_child(TRAIN.format(project=str(project), steps=STEPS))
    return {
        "size_mb": size_mb,
        "new_s": new["seconds"],
        "read_s": new["read_s"],
        "count_s": new["count_s"],
        "save_s": new["save_s"],
        "new_peak_mb": new["peak_mb"],
        "project_mb": project.stat().st_size / MB,
        "open_s": train["open_s"],
        "train_before_mb": train["before_mb"],
        "train_peak_mb": train["peak_mb"],
        "train_s": train["train_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000], help="megabytes of text")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/corpus-scale"))
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    print(describe_machine())
    print(
        f"{'text':>8} {'new':>7} {'read':>7} {'MB/s':>5} {'count':>6} {'save':>6} {'new peak':>9} {'project':>9} "
        f"{'open':>6} {'train RSS':>10} {'peak':>8} {'100 steps':>9}"
    )
    rows = []
    for size in args.sizes:
        started = time.perf_counter()
        row = measure(size, args.folder)
        rows.append(row)
        print(
            f"{size:>6} MB {row['new_s']:>6.1f}s {row['read_s']:>6.1f}s {size / row['read_s']:>5.1f} "
            f"{row['count_s']:>5.1f}s {row['save_s']:>5.1f}s {row['new_peak_mb']:>6.0f} MB "
            f"{row['project_mb']:>6.0f} MB {row['open_s']:>5.2f}s "
            f"{row['train_before_mb']:>7.0f} MB {row['train_peak_mb']:>5.0f} MB {row['train_s']:>6.0f}s"
            f"   ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    if len(rows) > 1:
        growth = rows[-1]["train_peak_mb"] - rows[0]["train_peak_mb"]
        print(
            f"training's peak RSS grows by {growth:.0f} MB "
            f"from {rows[0]['size_mb']} MB to {rows[-1]['size_mb']} MB of text"
        )


if __name__ == "__main__":
    main()
