"""Which command lines open the TUI, and with what (no TUI is started here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.cli import _tui_args, run
from inspector.model import InputError


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], (None, None)),
        (["127.0.0.1:8080"], ("127.0.0.1:8080", None)),
        (["--collection", "reqs"], (None, Path("reqs"))),
        (["http://x.test/", "--collection=reqs"], ("http://x.test/", Path("reqs"))),
        (["--collection", "reqs", "localhost:1"], ("localhost:1", Path("reqs"))),
        (["sendd"], None),  # a mistyped command is not a URL
        (["a.test", "b.test"], None),
    ],
)
def test_tui_arguments(argv: list[str], expected: tuple[str | None, Path | None] | None) -> None:
    """[URL] [--collection DIR] opens the TUI; anything else goes to the command parser."""
    assert _tui_args(argv) == expected


def test_collection_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--collection without a folder, or naming a file: exit 2, one line, no TUI."""
    assert run(["--collection"]) == 2
    assert "--collection needs a folder" in capsys.readouterr().err
    afile = tmp_path / "f.http"
    afile.write_text("GET http://x.test/\n")
    with pytest.raises(InputError, match="not a folder"):
        _tui_args(["--collection", str(afile)])
