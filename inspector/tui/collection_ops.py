"""Work on the collection's files for the app (no Textual here): list, rewrite, import.

Each function reads or writes through :class:`~inspector.store.collection.Collection`
(atomic writes, paths kept inside the root) and raises ``InputError`` with one
line for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from inspector.formats.curl import looks_like_curl, parse_curl
from inspector.formats.httpfile import (
    HttpFile,
    SavedRequest,
    from_spec,
    parse_http_file,
    variables_used,
    write_http_file,
)
from inspector.model import InputError, RequestSpec
from inspector.store.collection import SUFFIXES, Collection
from inspector.store.env import Environments, load_environments
from inspector.tui.sidebar import ListedFile

DEFAULT_FILE = "requests.http"
"""Where "save as" suggests putting a request that has no file yet."""


def scan(collection: Collection) -> tuple[list[ListedFile], Environments]:
    """Every file with its requests or its error, and the environments (reads only)."""
    listing = []
    for f in collection.files():
        if f.error is not None:
            listing.append(ListedFile(f, error=f.error))
            continue
        try:
            parsed = parse_http_file(collection.read(f.rel), f.rel)
        except InputError as exc:
            listing.append(ListedFile(f, error=str(exc)))
            continue
        problems = tuple(f"line {p.line}: {p.message}" for p in parsed.problems)
        listing.append(ListedFile(f, parsed.requests, problems))
    return listing, load_environments(collection.root)


def read(collection: Collection, rel: str) -> HttpFile:
    """One file, parsed.

    Raises:
        InputError: it cannot be read or parsed.
    """
    return parse_http_file(collection.read(rel), rel)


def normalize(rel: str) -> str:
    """A relative path as the collection lists it (``/`` between parts, no ``.``)."""
    return "/".join(p for p in rel.replace("\\", "/").split("/") if p not in ("", "."))


def with_suffix(rel: str) -> str:
    """The path with ``.http`` added unless it already names a ``.http``/``.rest`` file."""
    rel = rel.strip()
    return rel if rel.lower().endswith(SUFFIXES) else f"{rel}.http"


def rewrite(
    collection: Collection,
    rel: str,
    change: Callable[[list[SavedRequest]], list[SavedRequest]],
    variables: Mapping[str, str] | None = None,
) -> tuple[list[SavedRequest], dict[str, str]]:
    """Read a file, change its list of requests, write it back atomically.

    A file that does not exist yet is created. Other requests and the file's
    variables are kept; ``variables`` adds the ones missing.

    Returns:
        The requests and variables as written.

    Raises:
        InputError: the file cannot be read, parsed, or written.
    """
    exists = collection.mtime_ns(rel) is not None
    parsed = read(collection, rel) if exists else HttpFile(rel, ())
    merged = dict(parsed.variables)
    for key, value in (variables or {}).items():
        merged.setdefault(key, value)
    requests = change(list(parsed.requests))
    text = write_http_file(requests, merged)
    if exists:
        collection.write(rel, text)
    else:
        collection.create(rel, text)
    return requests, merged


def locate(requests: list[SavedRequest], index: int, name: str) -> int | None:
    """Where a request opened at ``index`` under ``name`` is now (None: gone)."""
    if index < len(requests) and requests[index].name == name:
        return index
    found = [i for i, r in enumerate(requests) if r.name == name]
    return found[0] if len(found) == 1 else None


def carried_variables(saved: SavedRequest, variables: Mapping[str, str]) -> dict[str, str]:
    """The file variables a request uses, to take along when it moves to another file."""
    used = variables_used(saved)
    return {k: v for k, v in variables.items() if k in used}


def _name(spec: RequestSpec, taken: set[str]) -> str:
    path = urlsplit(spec.url).path or "/"
    base = f"{spec.method.decode('ascii', 'replace')} {path}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base} {n}", n + 1
    taken.add(name)
    return name


def import_file(collection: Collection, path: Path) -> tuple[str, int]:
    """Add the requests of a ``.http`` file, a HAR file or a curl command to the collection.

    A ``.http``/``.rest`` file is copied as it is; HAR entries and a curl command
    become a new ``.http`` file named after the imported one.

    Returns:
        The new file (relative to the root) and how many requests it holds.

    Raises:
        InputError: the file cannot be read or holds nothing to import.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    lower = path.name.lower()
    if lower.endswith(SUFFIXES):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        count = len(parse_http_file(text, str(path)).requests)
    else:
        if lower.endswith((".har", ".json")):
            from inspector.formats.har import har_to_specs  # loaded on first import only

            specs = har_to_specs(data)
        else:
            command = data.decode("utf-8", "replace")
            if not looks_like_curl(command):
                raise InputError(f"{path}: not a .http file, a HAR file or a curl command")
            specs = [parse_curl(command).spec]
        taken: set[str] = set()
        text = write_http_file([from_spec(s, _name(s, taken)) for s in specs])
        count = len(specs)
    if not count:
        raise InputError(f"{path}: no requests in it")
    stem = path.stem or "imported"
    for n in range(1, 1000):
        rel = f"{stem}.http" if n == 1 else f"{stem} {n}.http"
        if collection.mtime_ns(rel) is None:
            collection.create(rel, text)
            return rel, count
    raise InputError(f"{stem}.http: too many files of that name")


@dataclass(frozen=True, slots=True)
class Opened:
    """The saved request open in the editor."""

    rel: str
    """Its file."""
    index: int
    """Its position in the file."""
    saved: SavedRequest
    """The request as last read or written."""
    variables: dict[str, str]
    """The file's variables."""
    snapshot: object
    """The editor's state right after opening or saving (what "unsaved" compares with)."""
