"""Layers import only downwards (DESIGN.md section 1), checked in fresh interpreters."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Each package below the TUI, and what must never be loaded by importing it.
FORBIDDEN = {
    "inspector.model": {"textual", "rich", "httpx", "httpcore", "platformdirs", "inspector.wire"},
    "inspector.wire": {"textual", "rich", "httpx", "httpcore", "inspector.net"},
    "inspector.server": {"textual", "rich", "httpx", "httpcore", "inspector.net"},
    "inspector.render": {"textual", "rich", "httpx", "httpcore"},
    "inspector.formats": {"textual", "rich", "httpx", "httpcore"},
    "inspector.cli": {"textual", "rich", "httpx", "httpcore", "inspector.tui"},
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_load_upper_layers(package: str) -> None:
    """Importing a lower package loads neither Textual, httpx, nor any layer above it."""
    code = f"import sys, {package}; print('\\n'.join(sorted(m for m in sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(proc.stdout.split())
    bad = {m for m in loaded for f in FORBIDDEN[package] if m == f or m.startswith(f + ".")}
    assert not bad, f"{package} loads {sorted(bad)}"
