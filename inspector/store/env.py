"""Environments of a collection folder (the JetBrains HTTP Client files).

``http-client.env.json`` holds the shared environments and
``http-client.private.env.json`` the secrets, both shaped
``{"env name": {"variable": value, ...}, ...}``. For an environment, a private
value overrides a public one; the ``$shared`` environment (as in VS Code)
applies to every environment and is overridden by it. Values that are not
strings become their JSON text (``8080``, ``true``, ``null``, objects too).
VS Code's ``.vscode/settings.json`` is not read. OS environment variables are
reached from templates with ``{{$processEnv NAME}}`` (see
:mod:`inspector.formats.httpvars`).

A file that cannot be read or is not the expected JSON is reported as
``"<path>: <reason>"`` and never written to; its environments are missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.model import InputError

__all__ = [
    "MASK",
    "PRIVATE_FILE",
    "PUBLIC_FILE",
    "SHARED",
    "Environments",
    "load_environments",
    "mask",
]

PUBLIC_FILE = "http-client.env.json"
"""The shared environments file, in the collection folder."""
PRIVATE_FILE = "http-client.private.env.json"
"""The secrets file (kept out of version control by the user)."""
SHARED = "$shared"
"""The environment whose variables every environment gets."""
MASK = "••••"
"""What a secret value is shown as until revealed."""

_Envs = dict[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class Environments:
    """The environments of one collection folder."""

    folder: Path
    """The collection folder."""
    public: _Envs = field(default_factory=dict, hash=False)
    """Variables per environment from the public file, in file order."""
    private: _Envs = field(default_factory=dict, hash=False)
    """Variables per environment from the private file, in file order."""
    problems: tuple[str, ...] = ()
    """One line per file or environment that could not be read."""

    def names(self) -> list[str]:
        """Environment names in file order (public first), without ``$shared``."""
        seen = dict.fromkeys([*self.public, *self.private])
        seen.pop(SHARED, None)
        return list(seen)

    def _layers(self, name: str | None) -> list[tuple[dict[str, str], bool]]:
        if name is not None and name not in self.names():
            known = ", ".join(self.names()) or "none"
            raise InputError(f"no environment named {name!r} (known: {known})")
        layers = [(self.public.get(SHARED, {}), False), (self.private.get(SHARED, {}), True)]
        if name is not None:
            layers += [(self.public.get(name, {}), False), (self.private.get(name, {}), True)]
        return layers

    def variables(self, name: str | None) -> dict[str, str]:
        """The variables of an environment (``None``: no environment, ``$shared`` only).

        Raises:
            InputError: there is no environment of that name.
        """
        out: dict[str, str] = {}
        for values, _secret in self._layers(name):
            out.update(values)
        return out

    def secret_names(self, name: str | None) -> set[str]:
        """Names whose value in this environment comes from the private file.

        Raises:
            InputError: there is no environment of that name.
        """
        source: dict[str, bool] = {}
        for values, secret in self._layers(name):
            source.update(dict.fromkeys(values, secret))
        return {key for key, secret in source.items() if secret}

    def secrets(self, name: str | None) -> dict[str, str]:
        """Secret names and values of an environment, for :func:`mask`.

        Raises:
            InputError: there is no environment of that name.
        """
        values = self.variables(name)
        return {key: values[key] for key in self.secret_names(name)}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _load(path: Path, problems: list[str]) -> _Envs:
    """The environments in one file; problems are appended, never raised."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror or exc}")
        return {}
    except UnicodeDecodeError as exc:
        problems.append(f"{path}: not UTF-8 text (byte {exc.start})")
        return {}
    except json.JSONDecodeError as exc:
        problems.append(f"{path}: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return {}
    except RecursionError:
        problems.append(f"{path}: nested too deeply")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a JSON object of environments")
        return {}
    envs: _Envs = {}
    for name, values in data.items():
        if isinstance(values, dict):
            envs[name] = {key: _text(value) for key, value in values.items()}
        else:
            problems.append(f"{path}: environment {name!r} is not a JSON object; skipped")
    return envs


def load_environments(folder: Path) -> Environments:
    """Read the environment files of a collection folder (missing files are fine).

    Args:
        folder: The collection folder.

    Returns:
        The environments, with a problem line for each file that could not be used.
    """
    problems: list[str] = []
    public = _load(folder / PUBLIC_FILE, problems)
    private = _load(folder / PRIVATE_FILE, problems)
    return Environments(folder, public, private, tuple(problems))


def mask(text: str, secrets: Mapping[str, str]) -> str:
    """Text with each secret value replaced by :data:`MASK`, for showing on screen.

    Longer values are replaced first, so a secret that contains another is
    hidden whole. Empty values are ignored.

    Args:
        text: What is about to be shown.
        secrets: Secret names and values (see :meth:`Environments.secrets`).

    Returns:
        The masked text.
    """
    values = sorted({v for v in secrets.values() if v}, key=len, reverse=True)
    if not values:
        return text
    return re.sub("|".join(map(re.escape, values)), MASK, text)
