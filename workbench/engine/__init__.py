"""The headless engine: model specs, builder, probes, data, trainer and project files.

Qt-free by design (torch, numpy and h5py only): it runs from the command line, in tests and
under torchrun, and the window is a view of its objects.
"""
