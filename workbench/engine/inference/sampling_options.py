"""How to write a sample (length, temperature, top-k, priming text, seed, repetition penalty) and
the ranges each may take: plain data, checked before any work starts."""

from __future__ import annotations

from dataclasses import dataclass

from ..common.errors import WorkbenchError

MAX_LENGTH = 100_000  # tokens in one sample: minutes of writing for a large model, as the window allows
MIN_TEMPERATURE = 0.01  # below it a sample is greedy in all but name, and logits / T can overflow
MAX_TEMPERATURE = 100.0  # above it every token is about equally likely: noise, not the model
MAX_GENERATOR_SEED = 2**64 - 1  # what torch.Generator.manual_seed takes
MAX_REPETITION_PENALTY = 10.0  # far past it a repeated token is all but forbidden: a blunter tool than this
REPETITION_WINDOW = 64  # the last tokens written that the repetition penalty looks back on


@dataclass(frozen=True)
class SamplingOptions:
    length: int = 200  # tokens to write
    temperature: float = 1.0  # < 1 sharper, > 1 more adventurous; 0 means greedy
    top_k: int = 0  # keep only the k likeliest tokens; 0 keeps all
    prime: str = ""  # text the model reads before it writes
    seed: int | None = None
    repetition_penalty: float = 1.0  # θ > 1 makes the tokens written lately less likely; 1 is off

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def check(self) -> SamplingOptions:
        if not 1 <= self.length <= MAX_LENGTH:
            raise WorkbenchError(
                f"the sample length must be at least 1 token and at most {MAX_LENGTH:,}, not {self.length}"
            )
        if self.temperature < 0:
            raise WorkbenchError("the temperature cannot be negative (0 means greedy)")
        if not (self.temperature == 0 or MIN_TEMPERATURE <= self.temperature <= MAX_TEMPERATURE):
            raise WorkbenchError(
                f"the temperature must be 0 (greedy) or from {MIN_TEMPERATURE:g} to "
                f"{MAX_TEMPERATURE:g}, not {self.temperature}"
            )
        if self.top_k < 0:
            raise WorkbenchError("top-k cannot be negative (0 keeps every token)")
        if not 1 <= self.repetition_penalty <= MAX_REPETITION_PENALTY:
            raise WorkbenchError(
                f"the repetition penalty must be from 1 (off) to {MAX_REPETITION_PENALTY:g}, "
                f"not {self.repetition_penalty}"
            )
        if self.seed is not None and not 0 <= self.seed <= MAX_GENERATOR_SEED:
            raise WorkbenchError(f"the seed must be from 0 to {MAX_GENERATOR_SEED:,}, not {self.seed}")
        return self
