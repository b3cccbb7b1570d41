"""Environments of a collection folder: public and private env files, secrets, masking."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from inspector.model import InputError
from inspector.store.env import MASK, PRIVATE_FILE, PUBLIC_FILE, load_environments, mask


def _write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_private_values_override_public_ones(tmp_path: Path) -> None:
    """Both files are read; private wins; non-strings become their JSON text; secrets known."""
    _write(tmp_path, PUBLIC_FILE, {"dev": {"host": "localhost", "port": 8080, "tls": False},
                                   "prod": {"host": "api.test", "token": "public"}})  # fmt: skip
    _write(tmp_path, PRIVATE_FILE, {"prod": {"token": "s3cret", "n": None}, "ci": {"k": 1.5}})
    envs = load_environments(tmp_path)
    assert envs.problems == () and envs.names() == ["dev", "prod", "ci"]
    assert envs.variables("dev") == {"host": "localhost", "port": "8080", "tls": "false"}
    assert envs.variables("prod") == {"host": "api.test", "token": "s3cret", "n": "null"}
    assert envs.secret_names("prod") == {"token", "n"}
    assert envs.secret_names("dev") == set()
    assert envs.secrets("ci") == {"k": "1.5"}


def test_shared_environment_applies_to_all(tmp_path: Path) -> None:
    """'$shared' variables reach every environment, which can override them."""
    _write(tmp_path, PUBLIC_FILE, {"$shared": {"a": "1", "b": "2"}, "dev": {"b": "3"}})
    _write(tmp_path, PRIVATE_FILE, {"$shared": {"key": "k"}})
    envs = load_environments(tmp_path)
    assert envs.names() == ["dev"]
    assert envs.variables("dev") == {"a": "1", "b": "3", "key": "k"}
    assert envs.variables(None) == {"a": "1", "b": "2", "key": "k"}
    assert envs.secret_names("dev") == {"key"}


def test_missing_files_mean_no_environments(tmp_path: Path) -> None:
    """A folder without env files has no environments and no problems."""
    envs = load_environments(tmp_path)
    assert envs.names() == [] and envs.problems == () and envs.variables(None) == {}


def test_unknown_environment_is_one_line_error(tmp_path: Path) -> None:
    """Asking for an environment that does not exist names the known ones."""
    _write(tmp_path, PUBLIC_FILE, {"dev": {}})
    with pytest.raises(InputError, match=r"no environment named 'qa' \(known: dev\)"):
        load_environments(tmp_path).variables("qa")


def test_malformed_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    """Broken JSON: one line naming file, line and column; the file is not rewritten."""
    broken = '{\n  "dev": {"host": "x",}\n}\n'
    path = _write(tmp_path, PRIVATE_FILE, broken)
    before = os.stat(path).st_mtime_ns
    _write(tmp_path, PUBLIC_FILE, {"dev": {"host": "localhost"}})
    envs = load_environments(tmp_path)
    (problem,) = envs.problems
    assert problem.startswith(f"{path}: ") and "line 2 column" in problem and "\n" not in problem
    assert path.read_text() == broken and os.stat(path).st_mtime_ns == before
    assert envs.variables("dev") == {"host": "localhost"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[1, 2]", "expected a JSON object of environments"),
        ('{"dev": "x", "ok": {}}', "environment 'dev' is not a JSON object; skipped"),
        (b"\xff\xfe{}", "not UTF-8 text"),
    ],
)
def test_unusable_content_is_reported(tmp_path: Path, content: str | bytes, reason: str) -> None:
    """Wrong shapes and undecodable bytes become '<path>: <reason>' problems."""
    path = tmp_path / PUBLIC_FILE
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    envs = load_environments(tmp_path)
    assert envs.problems[0].startswith(f"{path}: {reason}")


def test_mask_hides_longest_secret_first() -> None:
    """A secret containing another is masked whole; every occurrence is masked."""
    secrets = {"short": "abc", "long": "abcdef", "empty": "", "re": "a.b*"}
    text = "x abcdef y abc z abcdef a.b* aXb"
    assert mask(text, secrets) == f"x {MASK} y {MASK} z {MASK} {MASK} aXb"
    assert mask("nothing", {}) == "nothing"
