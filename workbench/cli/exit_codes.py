"""The statuses the ``workbench`` command exits with, besides 0 and the 1 of a failed training run."""

EXIT_USER_ERROR = 2  # a missing file, a model that cannot work, bad settings: one line on stderr
EXIT_INTERRUPTED = 130  # Ctrl-C: training saved the project, an evaluation scored a subset
EXIT_CLOSED_PIPE = 128 + 13  # 128 + SIGPIPE (absent on Windows): what a shell reports for a closed pipe
