"""What the machine has to give: the memory a run may use, read before any large array is made."""

from __future__ import annotations

import os


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable), or physical memory where /proc is absent."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
