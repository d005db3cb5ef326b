"""How good a model is, honestly: scores on the whole validation split against baselines (commonest
class, bag of tokens, n-gram, copy the source, naive forecasts), BLEU and per-label scores."""
