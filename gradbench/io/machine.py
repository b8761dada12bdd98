"""What the machine has to give: the memory a run may use, read before any large array is made, and which
CPU it is, recorded beside every result (two machines can share a model name and differ in what counts).
"""

from __future__ import annotations

import os
import platform
from typing import Any

SIMD = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile",
        "asimd", "sve")  # fmt: skip  # the vector units a BLAS kernel or NumPy's loops choose by


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


def cpu(path: str = "/proc/cpuinfo") -> dict[str, Any]:
    """The CPU by name, vendor, family and model, and the vector units it offers (/proc/cpuinfo; the name
    alone where that is absent). A KVM guest often reports a generic name ("Intel(R) Xeon(R) Processor"):
    the family, model and units tell two such machines apart."""
    fields: dict[str, str] = {}
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "vendor_id", "cpu family", "model", "flags", "Features") and key not in fields:
                    fields[key] = value.strip()
                if not key and fields:  # the first processor's block is enough
                    break
    except OSError:
        pass
    flags = set((fields.get("flags") or fields.get("Features") or "").split())
    return {
        "name": fields.get("model name") or platform.processor() or platform.machine(),
        "vendor": fields.get("vendor_id"),
        "family": fields.get("cpu family"),
        "model": fields.get("model"),
        "simd": [unit for unit in SIMD if unit in flags],
    }
