"""The command line's numeric options, each with its range, checked while the line is parsed.

A value out of range stops the command before any work starts (a file is read or written, a
model trains); ``OptionParser`` turns argparse's complaint into the project's one-line error.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from ..engine.common.errors import WorkbenchError
from ..engine.inference.sampling_options import MAX_TEMPERATURE, MIN_TEMPERATURE

LARGEST_SEED = 2**32 - 1  # a seed a person types; what a project may hold (config.LARGEST_SEED) is wider


class OptionError(WorkbenchError):
    """A command line that argparse refused: an unknown option, a missing one, a value out of range."""


class OptionParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise OptionError instead of printing usage and exiting."""

    def error(self, message: str):
        raise OptionError(message.removeprefix("argument "))  # "--steps: must be ..."


def int_in(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``lo`` to ``hi`` (no upper limit when None)."""
    allowed = f"a whole number from {lo:,} " + ("up" if hi is None else f"to {hi:,}")

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"must be {allowed}, not {text!r}")
        return value

    return whole_number


def float_in(lo: float, hi: float, *, above_lo: bool = False, below_hi: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number between ``lo`` and ``hi``, each end included unless
    ``above_lo`` or ``below_hi`` leaves it out."""
    low = f"above {lo:g}" if above_lo else f"at least {lo:g}"
    high = f"below {hi:g}" if below_hi else f"at most {hi:g}"
    allowed = f"a number {low} and {high}" if above_lo or below_hi else f"a number from {lo:g} to {hi:g}"

    def number(text: str) -> float:
        value = _finite(text)
        too_low = value is None or value < lo or (above_lo and value == lo)
        if too_low or value > hi or (below_hi and value == hi):
            raise argparse.ArgumentTypeError(f"must be {allowed}, not {text!r}")
        return value

    return number


def temperature(text: str) -> float:
    """An argparse type: 0 (greedy) or a sampling temperature the sampler accepts."""
    value = _finite(text)
    if value is None or not (value == 0 or MIN_TEMPERATURE <= value <= MAX_TEMPERATURE):
        raise argparse.ArgumentTypeError(
            f"must be 0 (greedy) or a number from {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g}, not {text!r}"
        )
    return value


def _finite(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


seed = int_in(0, LARGEST_SEED)
