"""A bidirectional stack over a padded batch: packed sequences against each direction run as its
own fused call (``recurrence.run_stack`` on a CPU). Forward and backward pass, median of repeats.

    .venv/bin/python benchmarks/bidirectional_padding.py [--batch 32 --steps 256 --hidden 64 --layers 1]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from workbench.engine.model.recurrence import run_stack
from workbench.engine.model.sequence_models import make_stack
from workbench.engine.spec import RecurrentSpec


def packed(stack, x, lengths):
    output, _ = stack(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
    return pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])[0]


def apart(stack, x, lengths):
    return run_stack(stack, x, None, lengths)[0]


def timed(run, stack, x, lengths, repeats: int) -> float:
    times = []
    for _ in range(repeats + 2):
        started = time.perf_counter()
        run(stack, x, lengths).sum().backward()
        times.append(time.perf_counter() - started)
    return statistics.median(times[2:])  # the first two warm up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.manual_seed(0)
    x = torch.randn(args.batch, args.steps, 64)
    lengths = torch.randint(args.steps // 2, args.steps + 1, (args.batch,))
    lengths[0] = args.steps
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); batch {args.batch} × {args.steps} steps "
        f"(lengths {int(lengths.min())}–{args.steps}), hidden {args.hidden}, {args.layers} layer(s)"
    )
    for cell in ("lstm", "gru", "rnn"):
        stack = make_stack(RecurrentSpec(cell, args.hidden, args.layers, bidirectional=True), 64)
        slow, fast = (timed(run, stack, x, lengths, args.repeats) for run in (packed, apart))
        print(f"{cell:5} packed {slow * 1000:8.1f} ms   directions apart {fast * 1000:7.1f} ms   {slow / fast:5.1f}×")


if __name__ == "__main__":
    main()
