"""Training: the trainer, its configuration, optimisers and device, the worker thread, control
(pause, stop), callbacks, the loss history, checkpoints and the memory a run needs."""
