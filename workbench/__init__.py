"""Sequence Workbench: build, train, look inside and use recurrent sequence models."""

__version__ = "0.1.0"
