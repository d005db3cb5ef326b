"""Handwriting views: the drawing pad and what the model writes."""
