"""The headless engine: everything the workbench does to models and data, with no window.

Its packages, each importing only those listed after it:

- ``project``: the project, one HDF5 file holding the spec, data, weights, history and insides.
- ``export``: the trained model in the forms other tools read (ONNX, TorchScript, safetensors, LSTMVis,
  a standalone script) and ink as SVG.
- ``training``: the trainer and its step loop, validation, settings, optimisers, the worker thread,
  pause and stop, checkpoints and the memory a run needs.
- ``scoring``: scores on the whole validation split against honest baselines.
- ``inference``: using a trained model: sampling, translation, captions, forecasts, handwriting.
- ``inside``: probes that rerun the trained weights step by step to show gates, states and gradients.
- ``model``: the spec turned into torch modules: templates, recurrence, attention, heads.
- ``data``: corpora, vocabularies, batching and the built-in demos.
- ``spec`` and ``events``: the model as plain data, and the typed events the trainer tells.
- ``common``: errors, atomic file writes, free-memory checks and type tests for stored values.

Qt-free by design (torch, numpy and h5py only), in one process: the ``workbench`` command line
and the tests call it directly, and the window runs all of its torch work on one worker thread
(``training.worker.EngineWorker``), showing the events it sends.
"""
