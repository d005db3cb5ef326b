"""A run watched from another process: the events its rank 0 appends to a file beside the
project, and the control file through which a window pauses or stops it."""
