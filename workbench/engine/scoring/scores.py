"""A model's scores and the baselines beside them, as plain data: what ``workbench evaluate``
prints, ``--json`` writes and the Results tab shows (numpy only, so the views can hold it).

A score alone flatters: 85 % of tags right sounds good until tagging every word with its
commonest tag scores 85 % too. So an evaluation always carries the baselines a reviewer would
ask for, in the headline score's own unit, and says in words where the model stands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .label_scores import LabelScores
from .output_scores import OutputScores

LEVEL_WITHIN = 0.005  # a score this close to a baseline's (relative, or 0.5 points of a share) is level with it


@dataclass(frozen=True)
class Baseline:
    """A baseline's score in the task's headline unit (accuracy 0 to 1, nats per token)."""

    name: str
    explanation: str  # one plain sentence: what it does
    value: float


@dataclass(frozen=True)
class OutputBaseline:
    """A baseline that writes outputs (translations), scored like the model's."""

    name: str
    explanation: str
    scores: OutputScores


@dataclass(frozen=True)
class Score:
    name: str  # "accuracy", "word BLEU", "cross-entropy", "MAE 1 step ahead"
    value: float
    unit: str  # "share" (0 to 1, shown as %), "bleu" (0 to 1, shown ×100), "nats/char", or a series' own unit
    higher_is_better: bool = True

    def text(self, value: float | None = None) -> str:
        """'85.5 %', 'BLEU 51.6', '1.234 bits/char', '0.31 ppm': ``value`` in this score's unit."""
        value = self.value if value is None else value
        if not math.isfinite(value):
            return "none"
        if self.unit == "share":
            return f"{100 * value:.1f} %"
        if self.unit == "bleu":
            return f"{100 * value:.1f}"
        if "/" in self.unit:  # nats or bits per token
            return f"{value:.3f} {self.unit}"
        if self.unit == "× naive":  # a forecast's error over the naive forecast's
            return f"{value:.2f}× naive"
        return f"{value:.4g} {self.unit}".rstrip()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _finite(self.value),
            "unit": self.unit,
            "text": self.text(),
            "higher_is_better": self.higher_is_better,
        }


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of a model on a split, beside its baselines."""

    task: str  # "sequence classification", "tagging", "translation", "language model", ...
    step: int  # the training step of the weights scored
    count: int  # what was scored ...
    counted: str  # ... "items", "tokens", "pairs", "pictures", "forecasts", "lines"
    whole: bool  # the whole validation split, or (a cancelled evaluation) its first part
    headline: Score
    others: tuple[Score, ...] = ()
    baselines: tuple[Baseline, ...] = ()  # values in the headline's unit
    notes: tuple[str, ...] = ()  # what else a user should know: unknown words, a subset
    labels: LabelScores | None = field(default=None, compare=False)  # classifiers and taggers

    @property
    def best_baseline(self) -> Baseline | None:
        return best_of(self.baselines, self.headline.higher_is_better)

    def verdict(self) -> str:
        """Where the model stands against its best baseline, in words."""
        best = self.best_baseline
        if best is None:
            return "no baseline for this task"
        headline = self.headline
        standing = compare(headline.value, best.value, headline.higher_is_better, headline.unit == "share")
        against = f"the best baseline, {best.name} ({headline.text(best.value)})"
        if standing > 0:
            return f"better than {against}"
        if standing == 0:
            return f"level with {against}: it has learnt no more than that baseline"
        return f"worse than {against}: it has learnt less than that baseline"

    def lines(self) -> list[str]:
        """The evaluation for a terminal, one fact a line."""
        scope = "the whole validation split" if self.whole else "part of the validation split (cancelled)"
        out = [f"{self.task.capitalize()}, step {self.step:,}: {self.count:,} {self.counted} of {scope}"]
        width = max(
            len(name) for name in [s.name for s in (self.headline, *self.others)] + [b.name for b in self.baselines]
        )
        for score in (self.headline, *self.others):
            out.append(f"  {score.name:{width}}  {score.text()}")
        if self.baselines:
            out.append("  Baselines, in the first score's unit:")
        for baseline in self.baselines:
            out.append(f"  {baseline.name:{width}}  {self.headline.text(baseline.value)}: {baseline.explanation}")
        verdict = self.verdict()
        out.append(f"  The model is {verdict}." if self.baselines else f"  ({verdict})")
        if self.labels is not None:
            out.append(f"  {'label':16} {'precision':>16} {'recall':>8} {'support':>9}")
            for name, precision, recall, support in zip(
                self.labels.label_names, self.labels.precision, self.labels.recall, self.labels.support
            ):
                out.append(
                    f"  {name[:16]:16} {share_text(precision, 'never predicted'):>16} "
                    f"{share_text(recall, 'none'):>8} {int(support):9,}"
                )
        out.extend(f"  Note: {note}" for note in self.notes)
        return out

    def to_json(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "task": self.task,
            "step": self.step,
            "split": "val",
            "whole": self.whole,
            "count": self.count,
            "counted": self.counted,
            "headline": self.headline.to_json(),
            "scores": [score.to_json() for score in self.others],
            "baselines": [
                {
                    "name": b.name,
                    "value": _finite(b.value),
                    "text": self.headline.text(b.value),
                    "explanation": b.explanation,
                }
                for b in self.baselines
            ],
            "verdict": self.verdict(),
            "notes": list(self.notes),
        }
        if self.labels is not None:
            summary["labels"] = [
                {"name": name, "precision": _finite(precision), "recall": _finite(recall), "support": int(support)}
                for name, precision, recall, support in zip(
                    self.labels.label_names, self.labels.precision, self.labels.recall, self.labels.support
                )
            ]
        return summary


def best_of(baselines: tuple[Baseline, ...], higher_is_better: bool = True) -> Baseline | None:
    """The baseline a model must beat: the best score of them (None when there are none)."""
    if not baselines:
        return None
    return (max if higher_is_better else min)(baselines, key=lambda baseline: baseline.value)


def compare(value: float, baseline: float, higher_is_better: bool, is_share: bool) -> int:
    """1 when ``value`` is better than ``baseline``, -1 worse, 0 level (within LEVEL_WITHIN)."""
    margin = LEVEL_WITHIN if is_share else LEVEL_WITHIN * max(abs(baseline), 1e-12)
    gain = value - baseline if higher_is_better else baseline - value
    return 0 if abs(gain) <= margin else (1 if gain > 0 else -1)


def share_text(value: float, when_none: str) -> str:
    """'85.5 %', or ``when_none`` for a share of nothing (a label never predicted has no precision)."""
    return when_none if not math.isfinite(value) else f"{100 * value:.1f} %"


def _finite(value: float) -> float | None:
    """JSON has no NaN: a share of nothing is null."""
    value = float(value)
    return value if math.isfinite(value) else None
