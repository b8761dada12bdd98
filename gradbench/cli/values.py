"""The command line's values that are read against the registries: --methods and --segments. The
registries are imported when a command runs, never at import: --help must not load NumPy."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import GradbenchError
from ..io.values import method_list

if TYPE_CHECKING:
    from ..methods.segments import SegmentChoice

ALL = "all"  # the --methods value that means every registered method


def chosen_methods(text: str) -> list[str]:
    """The --methods value read against the registry (imported here, when a command runs)."""
    from ..methods.registry import METHODS

    return list(METHODS) if text == ALL else method_list(text, METHODS)


def segment_count(text: str | None) -> SegmentChoice:
    """--segments: None (about sqrt(L)), 'auto' (the most that fit --memory) or a positive count."""
    from ..methods.segments import AUTO

    if text is None:
        return None
    if text.strip().lower() == AUTO:
        return AUTO
    if not re.fullmatch(r"[0-9]+", text.strip()) or int(text) < 1:  # not isdigit(): it takes '²'
        raise GradbenchError(f"--segments must be a positive whole number or auto, got {text!r}")
    return int(text)
