"""The long-range lab's data: the adding problem and the copy task, generated from seeds.

Both ask a network to carry information across ``T`` steps, the setting in which the gradient of
a tanh RNN vanishes (Bengio et al., 1994; Hochreiter & Schmidhuber, 1997). Training sequences
are made afresh for every batch from ``np.random.default_rng([seed, epoch, index])``, so nothing
but the parameters is stored for them; the validation sequences are made once from the task's
own seed and stored with the project, so a validation loss means the same thing when reopened.
"""

from __future__ import annotations

import math
import re
import string
from typing import Any

import numpy as np

from ..common.errors import DataError
from ..common.stored_values import is_whole
from ..spec import HeadSpec, InputSpec
from .base import Task
from .batching import IGNORE_INDEX, Batch, Batcher, check_batch_shape
from .checks import stored_array
from .probe import ProbeExample
from .series import FeatureNames
from .vocab import Vocabulary

VAL_STREAM = 2**31 - 1  # an entry of the validation seed that no training batch's seed has
BLANK, BLANK_TOKEN, DELIMITER_TOKEN = 0, "_", ":"
SYMBOL_TOKENS = string.ascii_uppercase
MAX_SYMBOLS = 100  # symbols to remember at most: each adds two steps to every sequence
MAX_LAG = 100_000  # steps of a sequence at most: the lab's lags are tens to thousands
MAX_SEQUENCES = 1 << 20  # validation sequences, or batches per epoch, at most


def _batch_of(inputs: np.ndarray, targets: np.ndarray) -> Batch:
    """Independent sequences; ``tokens`` counts the steps that have a target."""
    if targets.dtype.kind == "f":
        real = int((~np.isnan(targets)).any(-1).sum())
    else:
        real = int((targets != IGNORE_INDEX).sum())
    return Batch(inputs, targets, continues=False, tokens=real)


class GeneratedBatcher(Batcher):
    """``batch_size`` new sequences a batch; an "epoch" is just ``batches_per_epoch`` of them."""

    def __init__(self, task: GeneratedTask, batch_size: int, seed: int) -> None:
        super().__init__(task.description["batches_per_epoch"])
        self._task, self._batch_size, self._seed = task, batch_size, seed

    def _batch(self, epoch: int, index: int) -> Batch:
        rng = np.random.default_rng([self._seed, epoch, index])
        return _batch_of(*self._task.sequences(rng, self._batch_size))

    def _fixed_batch(self, index: int) -> Batch:
        return self._batch(0, index)


class FixedSetBatcher(Batcher):
    """The same sequences in the same order, ``batch_size`` at a time (the last batch may be smaller)."""

    def __init__(self, inputs: np.ndarray, targets: np.ndarray, batch_size: int) -> None:
        super().__init__(math.ceil(len(inputs) / batch_size))
        self._inputs, self._targets, self._batch_size = inputs, targets, batch_size

    def _batch(self, epoch: int, index: int) -> Batch:
        return self._fixed_batch(index)

    def _fixed_batch(self, index: int) -> Batch:
        rows = slice(index * self._batch_size, (index + 1) * self._batch_size)
        return _batch_of(self._inputs[rows], self._targets[rows])


class GeneratedTask:
    """What the two tasks share: parameters in ``description``, a stored validation set.

    Sequences always have the task's own length; the trainer's sequence length is not used.
    """

    kind = ""
    title = ""
    shortest_lag = 1
    stored_dtypes: tuple[type, type] = (np.float32, np.float32)  # inputs, targets in the project file
    batch_dtypes: tuple[type, type] = (np.float32, np.float32)  # inputs, targets in a Batch

    def __init__(self, description: dict[str, Any], validation: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.description = description  # kind, source, title, lag, seed, batches_per_epoch, val_sequences, ...
        self._check_parameters()
        self.vocab = self._make_vocab()
        if validation is None:
            rng = np.random.default_rng([description["seed"], VAL_STREAM])
            validation = self.sequences(rng, description["val_sequences"])
        elif any(part.shape[:2] != (description["val_sequences"], self.sequence_length) for part in validation):
            raise DataError(f"{self.source}: the stored validation sequences do not fit the task's settings.")
        self._val_inputs, self._val_targets = validation

    @classmethod
    def _describe(cls, lag: int, seed: int, batches_per_epoch: int, val_sequences: int, **extra: int) -> dict:
        return {
            "kind": cls.kind,
            "source": f"generated:{cls.kind}",
            "title": f"{cls.title}, T = {lag}",
            "lag": lag,
            "seed": seed,
            "batches_per_epoch": batches_per_epoch,
            "val_sequences": val_sequences,
            **extra,
        }

    @classmethod
    def from_arrays(
        cls, description: dict[str, Any], vocabulary: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> GeneratedTask:
        """The vocabulary follows from the description; the validation set is the stored one."""
        source = description.get("source", "the project")
        inputs, targets = (
            stored_array(arrays, name, source).astype(dtype)
            for name, dtype in zip(("val_inputs", "val_targets"), cls.batch_dtypes)
        )
        task = cls(description, (inputs, targets))
        task._check_validation_set(source)
        return task

    def arrays(self) -> dict[str, np.ndarray]:
        inputs, targets = self.stored_dtypes
        return {"val_inputs": self._val_inputs.astype(inputs), "val_targets": self._val_targets.astype(targets)}

    @property
    def source(self) -> str:
        return self.description["source"]

    @property
    def lag(self) -> int:
        return self.description["lag"]

    @property
    def sequence_length(self) -> int:
        return self.lag

    def validation_set(self) -> tuple[np.ndarray, np.ndarray]:
        return self._val_inputs, self._val_targets

    def probe_example(self, length: int) -> ProbeExample:
        """The first validation sequence, whole: its answer comes at its end, whatever ``length``."""
        inputs, targets = self._val_inputs[0], self._val_targets[0]
        return ProbeExample(
            inputs.astype(self.batch_dtypes[0]), targets.astype(self.batch_dtypes[1]), self.step_labels(inputs)
        )

    def step_labels(self, inputs: np.ndarray) -> tuple[str, ...]:
        """Each input step of one sequence as text, for the views."""
        raise NotImplementedError

    def batcher(self, split: str, batch_size: int, seq_len: int, seed: int) -> Batcher:
        """Training batches from ``seed`` (the trainer's); validation from the stored set."""
        self.check_fits(batch_size, seq_len)
        if split == "val":
            return FixedSetBatcher(self._val_inputs, self._val_targets, batch_size)
        return GeneratedBatcher(self, batch_size, seed)

    def check_fits(self, batch_size: int, seq_len: int) -> None:
        """Any batch shape fits: every batch is generated at the task's own length."""
        check_batch_shape(batch_size, seq_len)

    def _check_parameters(self) -> None:
        settings = self.description
        if not is_whole(settings.get("lag"), self.shortest_lag, MAX_LAG):
            raise DataError(
                f"the {self.title.lower()} needs a lag T of at least {self.shortest_lag} and at most {MAX_LAG:,}."
            )
        for name, least, most in (
            ("seed", 0, 2**32 - 1),
            ("batches_per_epoch", 1, MAX_SEQUENCES),
            ("val_sequences", 1, MAX_SEQUENCES),
        ):
            if not is_whole(settings.get(name), least, most):
                raise DataError(
                    f"the {self.title.lower()}'s {name.replace('_', ' ')} must be at least {least} "
                    f"and at most {most:,}."
                )

    def _check_validation_set(self, source: str) -> None:
        """Stored sequences that the task could have made: finite inputs, targets of its kind."""
        inputs, targets = self._val_inputs, self._val_targets
        if inputs.dtype.kind == "f" and not np.isfinite(inputs).all():
            raise DataError(f"{source}: the stored validation inputs are not all finite numbers.")
        if inputs.dtype.kind in "iu" and len(inputs) and not 0 <= inputs.min() <= inputs.max() < len(self.vocab):
            raise DataError(f"{source}: the stored validation inputs hold symbols outside the task's.")
        outside = (targets < 0) | (targets >= len(self.vocab))
        if targets.dtype.kind in "iu" and (outside & (targets != IGNORE_INDEX)).any():
            raise DataError(f"{source}: the stored validation targets hold symbols outside the task's.")

    def _make_vocab(self) -> Any:
        raise NotImplementedError

    def sequences(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """``count`` new sequences: (inputs, targets) in the dtypes of a Batch."""
        raise NotImplementedError


class AddingProblem(GeneratedTask):
    """Sum the two marked values of a sequence of ``T`` random numbers.

    Le, Jaitly & Hinton (2015), after Hochreiter & Schmidhuber (1997), experiment 4: each step
    holds a value drawn from U[0, 1] and a marker, 1 at exactly two steps, one in the first half
    of the sequence and one in the second (H&S put the first among the first ten steps and scaled
    the target). The target, at the last step only, is the sum of the two marked values. Always
    answering 1.0 scores a mean squared error of Var(X1 + X2) = 1/6.
    """

    kind = "adding"
    title = "Adding problem"
    shortest_lag = 2

    @classmethod
    def generate(cls, lag: int, seed: int = 0, batches_per_epoch: int = 100, val_sequences: int = 256) -> AddingProblem:
        """``lag`` is the sequence length T: the first marker is at least T/2 steps before the answer."""
        return cls(cls._describe(lag, seed, batches_per_epoch, val_sequences))

    def _make_vocab(self) -> FeatureNames:
        return FeatureNames(("value", "marker"))

    def task(self, embedding_dim: int = 64) -> Task:
        return Task("adding problem", InputSpec(kind="features", feature_dim=2), HeadSpec("regression", 1))

    def sequences(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        length, half = self.lag, self.lag // 2
        values = rng.random((count, length), dtype=np.float32)  # (B, T)
        rows = np.arange(count)
        marked = np.stack([rng.integers(0, half, count), rng.integers(half, length, count)], 1)  # (B, 2)
        markers = np.zeros((count, length), np.float32)
        markers[rows[:, None], marked] = 1.0
        targets = np.full((count, length, 1), np.nan, np.float32)  # (B, T, 1): only the last step is real
        targets[:, -1, 0] = values[rows[:, None], marked].sum(1)
        return np.stack([values, markers], -1), targets  # (B, T, 2), (B, T, 1)

    def step_labels(self, inputs: np.ndarray) -> tuple[str, ...]:
        """Each value to two places, the two marked ones in brackets."""
        return tuple(f"[{value:.2f}]" if marker else f"{value:.2f}" for value, marker in inputs)

    def stats(self) -> dict[str, Any]:
        answers = self._val_targets[:, -1, 0]
        return {
            "lag": self.lag,
            "sequence_length": self.lag,
            "val_sequences": len(answers),
            "baseline": "always answering 1.0",
            "baseline_loss": float(np.mean((answers - 1.0) ** 2)),  # ≈ 1/6, measured on the validation set
        }

    def preview(self, max_chars: int = 400) -> str:
        values, markers = self._val_inputs[0].T
        marked = np.flatnonzero(markers)
        head = f"T = {self.lag}; marked steps {marked[0]} and {marked[1]}: "
        sums = f"{values[marked[0]]:.3f} + {values[marked[1]]:.3f} = {self._val_targets[0, -1, 0]:.3f}\n"
        steps = " ".join(f"[{value:.2f}]" if mark else f"{value:.2f}" for value, mark in zip(values, markers))
        return (head + sums + steps)[:max_chars]


class CopyTask(GeneratedTask):
    """Remember ``symbols`` symbols across ``T`` blank steps, then write them back.

    Arjovsky, Shah & Bengio (2016), after Hochreiter & Schmidhuber (1997): the input is ``k``
    symbols drawn from an alphabet of ``A``, ``T - 1`` blanks, a delimiter, then ``k`` blanks
    during which the model must output the ``k`` symbols in order (length ``T + 2k``). Only those
    ``k`` steps carry targets (Arjovsky et al. also score the blanks, which dilutes the loss as
    ``T`` grows). Guessing among the symbols scores a cross-entropy of log A.
    """

    kind = "copy"
    title = "Copy task"
    batch_dtypes = (np.int64, np.int64)
    stored_dtypes = (np.uint8, np.int8)

    @classmethod
    def generate(
        cls,
        lag: int,
        symbols: int = 10,
        alphabet: int = 8,
        seed: int = 0,
        batches_per_epoch: int = 100,
        val_sequences: int = 256,
    ) -> CopyTask:
        return cls(cls._describe(lag, seed, batches_per_epoch, val_sequences, symbols=symbols, alphabet=alphabet))

    def _check_parameters(self) -> None:
        super()._check_parameters()
        symbols, alphabet = self.description.get("symbols"), self.description.get("alphabet")
        if not isinstance(symbols, int) or not 1 <= symbols <= MAX_SYMBOLS:
            raise DataError(f"the copy task remembers from 1 to {MAX_SYMBOLS} symbols.")
        if not isinstance(alphabet, int) or not 2 <= alphabet <= len(SYMBOL_TOKENS):
            raise DataError(f"the copy task's alphabet holds from 2 to {len(SYMBOL_TOKENS)} symbols.")

    def _make_vocab(self) -> Vocabulary:
        """Blank (id 0), the symbols A, B, ... (ids 1..A), the delimiter (id A + 1)."""
        letters = tuple(SYMBOL_TOKENS[: self.description["alphabet"]])
        return Vocabulary("char", (BLANK_TOKEN, *letters, DELIMITER_TOKEN))

    def task(self, embedding_dim: int = 64) -> Task:
        size = len(self.vocab)
        inputs = InputSpec(kind="tokens", vocab_size=size, embedding_dim=embedding_dim)
        return Task("copy task", inputs, HeadSpec("tagging", size))

    @property
    def sequence_length(self) -> int:
        return self.lag + 2 * self.description["symbols"]

    def sequences(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        k, lag, alphabet = self.description["symbols"], self.lag, self.description["alphabet"]
        shown = rng.integers(1, alphabet + 1, (count, k))  # (B, k)
        inputs = np.full((count, self.sequence_length), BLANK, np.int64)  # (B, T + 2k)
        inputs[:, :k] = shown
        inputs[:, k + lag - 1] = alphabet + 1  # the delimiter: write them now
        targets = np.full_like(inputs, IGNORE_INDEX)
        targets[:, -k:] = shown
        return inputs, targets

    def step_labels(self, inputs: np.ndarray) -> tuple[str, ...]:
        return tuple(self.vocab.tokens[i] for i in inputs)

    def stats(self) -> dict[str, Any]:
        k, alphabet = self.description["symbols"], self.description["alphabet"]
        return {
            "lag": self.lag,
            "symbols": k,
            "alphabet": alphabet,
            "sequence_length": self.sequence_length,
            "val_sequences": len(self._val_inputs),
            "baseline": f"guessing one of the {alphabet} symbols",
            "baseline_loss": math.log(alphabet),
        }

    def preview(self, max_chars: int = 400) -> str:
        tokens = self.vocab.tokens
        inputs = "".join(tokens[i] for i in self._val_inputs[0])
        targets = "".join("·" if i == IGNORE_INDEX else tokens[i] for i in self._val_targets[0])
        return f"input:  {_squeeze(inputs)}\ntarget: {_squeeze(targets)}"[:max_chars]


def _squeeze(text: str) -> str:
    """Long runs of one character shortened to a count: ``______`` -> ``___(×95)___``."""
    return re.sub(r"(.)\1{11,}", lambda run: f"{run[1] * 3}(×{len(run[0])}){run[1] * 3}", text)
