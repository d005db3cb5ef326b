"""How much memory the machine has free now, for refusing work that cannot fit before it starts.

No torch here: the project file reader asks too, before it reads a byte.
"""

from __future__ import annotations

import psutil


def host_available_memory() -> int | None:
    """Bytes the system can give a new program without swapping (psutil's ``available``: on
    Linux, MemAvailable, free memory plus the caches it can drop; likewise on macOS and
    Windows); None where the system will not tell (on Linux, no readable /proc)."""
    try:
        return psutil.virtual_memory().available
    except OSError:
        return None


def in_bytes(count: int) -> str:
    """A size for people: "16.0 GB", "1.9 MB", "312 bytes"."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count} bytes"
