"""Locate and load ../shared/conformance (the 261-case response corpus and its harness)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = Path(
    os.environ.get("INSPECTOR_CONFORMANCE_DIR", ROOT.parent / "shared" / "conformance")
)
AVAILABLE = (CORPUS_DIR / "responses.jsonl").is_file()
needs_corpus = pytest.mark.skipif(
    not AVAILABLE, reason=f"conformance corpus not found at {CORPUS_DIR}"
)


def harness() -> Any:
    """Import the corpus helpers (corpuslib, serve_case) from the shared folder."""
    if str(CORPUS_DIR) not in sys.path:
        sys.path.insert(0, str(CORPUS_DIR))
    import corpuslib  # type: ignore[import-not-found]

    return corpuslib


def cases() -> list[dict[str, Any]]:
    """Every corpus case, or none when the corpus is absent."""
    if not AVAILABLE:
        return []
    loaded: list[dict[str, Any]] = harness().load_cases(str(CORPUS_DIR / "responses.jsonl"))
    return loaded
