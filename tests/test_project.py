"""The project's promises to a new user: the README's commands are what CI runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text, re.S)[:2]


def test_readme_opens_with_install_and_test_commands() -> None:
    """The README's first two commands install and launch, then install and test."""
    launch, test = _readme_commands()
    assert "pip install" in launch and launch.endswith("&& inspector")
    assert "pip install" in test and "'.[test]'" in test and "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    """.ci/run runs exactly the README's test command, so CI checks what a user types."""
    _, test = _readme_commands()
    assert test in (ROOT / ".ci" / "run").read_text()


def test_python_m_inspector_matches_the_console_script() -> None:
    """``python -m inspector`` is the same command line as ``inspector``."""
    proc = subprocess.run(
        [sys.executable, "-m", "inspector", "--help"], capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert b"parse" in proc.stdout and b"serve" in proc.stdout
