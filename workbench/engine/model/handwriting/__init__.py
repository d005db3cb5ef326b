"""Graves' mixture-density prediction and synthesis networks for handwriting.

A. Graves, "Generating Sequences With Recurrent Neural Networks" (2013), sections 4 and 5.
"""
