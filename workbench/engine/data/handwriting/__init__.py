"""Handwriting data: pen strokes, their batches, the built-in Hershey-font lines and IAM-OnDB files."""
