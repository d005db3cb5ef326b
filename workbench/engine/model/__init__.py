"""Models as modules: the architecture templates, the builder that turns a spec into ``nn.Module``s,
recurrence, attention, heads, the captioner and the handwriting networks."""
