"""User-facing errors: each carries one sentence a user can act on, never a traceback."""


class WorkbenchError(Exception):
    """A problem with what the user asked for or gave us (a file, a setting, a model)."""


class SpecError(WorkbenchError):
    """A model specification that cannot be built."""


class DataError(WorkbenchError):
    """Training data that is missing, unreadable or unusable."""


class ProjectError(WorkbenchError):
    """A project file that is missing, foreign, damaged or from a newer version."""
