"""Writing text with a trained language model, one token at a time.

The hidden state is carried from token to token (and through the priming text), so sampling
costs one fused step per token. Sampling draws from its own ``torch.Generator``: writing a
sample in the middle of training leaves the training random stream — and so exact resume —
untouched.
"""

from __future__ import annotations

import torch

from .sampling_options import REPETITION_WINDOW, SamplingOptions


def next_token_distribution(logits: torch.Tensor, temperature: float, top_k: int) -> torch.Tensor:
    """Probabilities (V,) from logits (V,): divide by temperature, keep the top k, softmax."""
    logits = logits.float() / temperature
    if 0 < top_k < logits.numel():
        threshold = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < threshold, float("-inf"))
    return logits.softmax(-1)


def penalise_repeats(logits: torch.Tensor, recent: list[int], penalty: float) -> torch.Tensor:
    """Logits (V,) with those of the tokens in ``recent`` made less likely by ``penalty`` θ.

    Penalised sampling of CTRL (Keskar et al., 2019, section 4.1): p_i ∝ exp(x_i / (T · I(i ∈ g)))
    with I(c) = θ if c else 1, g the tokens generated, here the last REPETITION_WINDOW of them;
    they suggest θ ≈ 1.2 with greedy decoding. Dividing a negative logit by θ would make its
    token likelier, so a negative logit is multiplied by θ instead. A token is penalised once
    however often it recurs in the window.
    """
    logits = logits.float()  # (V,), a copy when the model computes in half precision
    if not recent or penalty == 1:
        return logits
    ids = torch.tensor(sorted(set(recent)), device=logits.device)  # (R,)
    chosen = logits[ids]  # (R,)
    penalised = logits.clone()
    penalised[ids] = torch.where(chosen > 0, chosen / penalty, chosen * penalty)
    return penalised


@torch.no_grad()
def sample_text(model, vocab, options: SamplingOptions, generator: torch.Generator | None = None) -> str:
    """Prime the model with ``options.prime`` and write ``options.length`` tokens after it.

    Line corpora (names) start from the boundary token and stop when the model writes it again.
    With ``options.repetition_penalty`` above 1 the tokens among the last REPETITION_WINDOW
    written are made less likely (``penalise_repeats``); at 1 the logits are left untouched.
    Returns the priming text followed by what the model wrote.
    """
    options.check()
    device = next(model.parameters()).device
    if generator is None:
        generator = torch.Generator(device="cpu")
        if options.seed is not None:
            generator.manual_seed(options.seed)
        else:
            generator.seed()
    prime_ids = vocab.encode(options.prime).tolist() if options.prime else []
    start = [vocab.boundary] if vocab.boundary is not None else []
    if not start and not prime_ids:
        start = [_neutral_start(vocab)]
    context = torch.tensor([start + prime_ids], device=device)  # (1, P)
    was_training = model.training
    model.eval()
    try:
        logits, state = model(context)
        written: list[int] = []
        for _ in range(options.length):
            last = logits[0, -1]  # (V,)
            if options.repetition_penalty != 1:
                last = penalise_repeats(last, written[-REPETITION_WINDOW:], options.repetition_penalty)
            if options.greedy:
                token = int(last.argmax())
            else:
                probs = next_token_distribution(last, options.temperature, options.top_k).cpu()
                token = int(torch.multinomial(probs, 1, generator=generator))
            if token == vocab.boundary:
                break
            written.append(token)
            logits, state = model(torch.tensor([[token]], device=device), state)
    finally:
        model.train(was_training)
    text = vocab.decode(written)
    if options.prime and vocab.level == "word" and text and not text[0].isspace():
        return f"{options.prime} {text}"
    return options.prime + text


def _neutral_start(vocab) -> int:
    """A token to start unprimed text from: a newline if the vocabulary has one."""
    newline = vocab.encode("\n") if "\n" in vocab.tokens else None
    return int(newline[0]) if newline is not None else 0
