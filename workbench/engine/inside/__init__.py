"""Looking inside a model: probes that rerun the trained weights step by step and record gates,
cell states and gradients through time."""
