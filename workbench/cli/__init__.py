"""The ``workbench`` command: create, train, sample, write and inspect projects without a window.

User errors (a missing file, a model that cannot work, bad settings) print one line on stderr
and exit with status 2; Ctrl-C during training saves the project and exits with status 130.
"""

from __future__ import annotations

import os
import sys

from ..engine.common.errors import WorkbenchError
from .exit_codes import EXIT_CLOSED_PIPE, EXIT_USER_ERROR
from .exporting import cmd_export
from .parser import build_parser
from .projects import cmd_demos, cmd_info, cmd_new
from .runs import cmd_runs
from .training import cmd_demo, cmd_train
from .using import cmd_evaluate, cmd_sample, cmd_write

COMMANDS = {
    "demos": cmd_demos,
    "new": cmd_new,
    "train": cmd_train,
    "sample": cmd_sample,
    "write": cmd_write,
    "info": cmd_info,
    "runs": cmd_runs,
    "demo": cmd_demo,
    "export": cmd_export,
    "evaluate": cmd_evaluate,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv  # as given: `train --processes K` hands it on to the processes it starts
    except WorkbenchError as error:  # an option out of range, or one missing: before any work
        print(f"workbench: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.command in (None, "open"):
        from ..ui.app import run  # the window, and Qt with it, only when asked for

        return run(project=str(args.project) if args.command == "open" else None)
    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so a closed pipe is met in this try and not at exit
        return status
    except WorkbenchError as error:
        print(f"workbench: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # `workbench info p.h5 --json | head -1`: the reader has all it wants
        # As Python's signal docs advise: point stdout at devnull so the flush at exit cannot fail
        # again, and end as a command that SIGPIPE ended would, which is what shells expect.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLOSED_PIPE
