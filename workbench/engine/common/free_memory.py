"""How much memory the machine has free now, for refusing work that cannot fit before it starts.

No torch here: the project file reader asks too, before it reads a byte.
"""

from __future__ import annotations

import os


def host_available_memory() -> int | None:
    """Linux's MemAvailable (free memory plus the caches it can drop); else what sysconf says is
    free, or at worst the size of the machine's memory (macOS), which still refuses what can
    never fit; None on systems that tell neither (Windows)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    for pages in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            return os.sysconf(pages) * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            continue
    return None


def in_bytes(count: int) -> str:
    """A size for people: "16.0 GB", "1.9 MB", "312 bytes"."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count} bytes"
