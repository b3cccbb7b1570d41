"""Saved requests by reference: ``FILE.http``, ``FILE.http#name`` or ``history:ID``.

The glue between the ``.http`` format (``inspector.formats``) and the files,
environments and history (``inspector.store``), shared by the command line and
the TUI. Environments are looked up in the request file's folder, then in its
parents, the way the REST-client tools find ``http-client.env.json`` next to
the files of a project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from inspector.formats.har_losses import sent_bytes
from inspector.formats.httpfile import (
    AUTO_HEADERS_OFF,
    HttpFile,
    SavedRequest,
    read_http_file,
    to_spec,
)
from inspector.model import EventKind, Exchange, InputError, RequestSpec
from inspector.net import SendOptions, write_plan
from inspector.store.env import PRIVATE_FILE, PUBLIC_FILE, Environments, load_environments
from inspector.store.history import History
from inspector.wire.serialize import with_default_headers

HISTORY_PREFIX = "history:"


@dataclass(frozen=True, slots=True)
class Resolved:
    """One request ready to send, and where it came from."""

    label: str
    """``file.http#name`` or ``history:ID``: also the name it is kept under in history."""
    spec: RequestSpec
    """The spec with variables filled in (``meta["name"]`` is the label)."""
    secrets: Mapping[str, str]
    """Secret values filled into it, to mask on output."""
    source: Exchange | None = None
    """The history entry it replays, if it came from history."""


def environments_for(path: Path) -> Environments:
    """The environments of the nearest folder, from ``path``'s own upwards, that has any."""
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / PUBLIC_FILE).exists() or (folder / PRIVATE_FILE).exists():
            return load_environments(folder)
    return load_environments(start)


def split_reference(ref: str) -> tuple[Path, str | None]:
    """``FILE.http#name`` -> (path, name); the name is None when absent."""
    path, sep, name = ref.partition("#")
    return Path(path), (name if sep else None)


def pick(requests: tuple[SavedRequest, ...], name: str | None, source: str) -> list[SavedRequest]:
    """The requests a reference names: all of them, one by name, or one by 1-based number.

    Raises:
        InputError: no request has that name or number.
    """
    if not requests:
        raise InputError(f"{source}: no requests in the file")
    if name is None:
        return list(requests)
    chosen = [r for r in requests if r.name == name]
    if chosen:
        return chosen[:1]
    if name.isdigit() and 1 <= int(name) <= len(requests):
        return [requests[int(name) - 1]]
    known = ", ".join(repr(r.name) for r in requests if r.name) or "none named"
    raise InputError(f"{source}: no request named {name!r} (known: {known})")


def resolve_file(
    ref: str,
    env: str | None,
    *,
    allow_hash_mismatch: bool = False,
    environ: Mapping[str, str] | None = None,
) -> list[Resolved]:
    """The requests of ``FILE.http[#name]``, variables filled from ``env``.

    Raises:
        InputError: the file cannot be read, the name is unknown, a variable is
            undefined, or raw bytes do not match their hash.
    """
    path, name = split_reference(ref)
    parsed: HttpFile = read_http_file(path)
    envs = environments_for(path)
    variables = {**envs.variables(env), **parsed.variables}
    secrets = envs.secrets(env)
    out = []
    for saved in pick(parsed.requests, name, str(path)):
        label = f"{path.name}#{saved.name}" if saved.name else f"{path.name}#{saved.line}"
        spec = to_spec(
            saved,
            variables,
            base_dir=path.resolve().parent,
            environ=environ,
            allow_hash_mismatch=allow_hash_mismatch,
        )
        if spec.raw is None and AUTO_HEADERS_OFF not in saved.directives:
            # As in the REST-client tools: Host, Content-Length and the like are added
            # when the file leaves them out (visible in the trace, never hidden).
            spec = with_default_headers(spec)
        out.append(Resolved(label, replace(spec, meta={**spec.meta, "name": label}), secrets))
    return out


def load_entry(history: History, key: str, bad: str) -> tuple[int, Exchange]:
    """The entry ``key`` names (an id, or ``last``) and its exchange.

    Args:
        history: The history.
        key: A number, or ``last`` for the newest entry.
        bad: The message when ``key`` is neither.

    Raises:
        InputError: a bad key, an empty history, or no entry with that id.
    """
    if key == "last":
        entries = history.list(limit=1)
        if not entries:
            raise InputError("the history is empty")
        entry_id = entries[0].id
    elif key.isdigit():
        entry_id = int(key)
    else:
        raise InputError(bad)
    try:
        return entry_id, history.load(entry_id)
    except KeyError:
        raise InputError(f"no history entry {entry_id}") from None


def resolve_history(ref: str, history: History) -> Resolved:
    """``history:ID`` (or ``history:last``) -> the stored request, exactly as it was.

    Raises:
        InputError: the id is not a number or not in the history.
    """
    key = ref[len(HISTORY_PREFIX) :]
    bad = f"bad history reference {ref!r}: give history:ID or history:last"
    entry_id, exchange = load_entry(history, key, bad)
    label = exchange.spec.meta.get("name") or f"{HISTORY_PREFIX}{entry_id}"
    spec = replace(exchange.spec, meta={**exchange.spec.meta, "name": label})
    return Resolved(label, spec, {}, exchange)


def previous_exchange(history: History, label: str, exclude: int | None = None) -> Exchange | None:
    """The newest stored exchange of the request named ``label`` (the one to diff against)."""
    for entry in history.list(label, limit=50):
        if entry.name == label and entry.id != exclude and entry.engine == "inspector":
            return history.load(entry.id)
    return None


def exact_replay(
    source: Exchange, options: SendOptions, *, keep_timing: bool, meta: dict[str, str]
) -> tuple[RequestSpec, SendOptions]:
    """The spec and options that send ``source``'s request again, byte for byte.

    The bytes are those the first exchange wrote for its request (a proxy's
    ``CONNECT`` head left out); with ``keep_timing`` they go out in the same
    writes, with the same pauses between them.
    """
    data = sent_bytes(source)
    spec = RequestSpec(url=source.spec.url, raw=data, meta=meta)
    if keep_timing:
        skip = len(source.transcript.sent) - len(data)  # the CONNECT head, if any
        events = [
            e for e in source.transcript.events if e.kind is not EventKind.SEND or e.offset >= skip
        ]
        options = replace(options, write_plan=write_plan(events))
    return spec, options
