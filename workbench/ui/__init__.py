"""The desktop window: a view of engine objects. Torch work never runs on this thread."""
