"""The same request through http.client and httpx, recorded, parsed by us, and diffed."""

from __future__ import annotations

from inspector.compare.diff import Comparison, Difference, EngineDiff, diff
from inspector.compare.run import ENGINES, compare

__all__ = ["ENGINES", "Comparison", "Difference", "EngineDiff", "compare", "diff"]
