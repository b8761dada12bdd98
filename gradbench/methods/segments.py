"""Checkpointed backprop's segments: how the layers are cut, and the user's choice of how many."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Literal

from ..errors import GradbenchError

AUTO: Literal["auto"] = "auto"  # --segments auto: the most segments --memory holds (footprint.checkpoint_segments)
SegmentChoice = int | Literal["auto"] | None  # of checkpointed backprop: a count, AUTO, or None: about sqrt(L)


def segments(layers: int, count: int | None = None) -> list[tuple[int, int]]:
    """Checkpointed backprop's segments of layers, [start, end): `count` of them as even as can be, by
    default about sqrt(L) of about sqrt(L) layers each (Chen et al. 2016), so it keeps O(sqrt L)
    activations for about one extra forward pass."""
    if count is None:
        count = -(-layers // (math.isqrt(layers - 1) + 1))  # segments of ceil(sqrt(L)) layers
    if not 1 <= count <= layers:
        raise GradbenchError(f"--segments must be between 1 and the number of layers ({layers}), got {count}")
    bounds = [round(i * layers / count) for i in range(count + 1)]
    return list(pairwise(bounds))
