"""The values the diff produces, and how it shows bytes and outcomes as short text.

Pure: no I/O. Text made here is plain ASCII (every other byte escaped), so a
renderer may print it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspector.model import ErrorKind, Exchange

SHOW_LIMIT = 96
"""Bytes shown of a value before it is cut short."""

NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x5C: "\\\\"}
_TIMEOUTS = (ErrorKind.READ_TIMEOUT, ErrorKind.TIMEOUT)


@dataclass(frozen=True, slots=True)
class Difference:
    """One way an engine's request or reading differs from ours."""

    side: str
    """``request``, ``response`` or ``timing``."""
    field: str
    """A short kebab-case name: ``header-added``, ``status``, ``first-byte``..."""
    engine: str
    """The engine compared with ours."""
    ours: str
    """Our value, as short escaped text (empty when we have none)."""
    theirs: str
    """The engine's value, as short escaped text (empty when it has none)."""
    note: str
    """One plain sentence saying what differs."""


@dataclass(frozen=True, slots=True)
class EngineDiff:
    """Everything that differs between our exchange and one engine's."""

    engine: str
    outcome: str
    """What the engine did: ``parsed``, ``raised T: message``, ``hung until the timeout``,
    ``not expressible: why`` or ``failed: ...``."""
    first_request_difference: int | None
    """Offset of the first byte where its sent bytes differ from ours; None when they are
    equal or either side sent nothing."""
    request: tuple[Difference, ...]
    response: tuple[Difference, ...]
    timings: tuple[Difference, ...]
    """Always listed (total and time to first byte); never counted as a difference."""

    @property
    def differs(self) -> bool:
        """Whether the request or the response side differs (timings do not count)."""
        return bool(self.request or self.response)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Our exchange against each other engine's."""

    base: str
    """The engine everything is compared with (``inspector``)."""
    engines: tuple[EngineDiff, ...]
    outcome: str = "parsed"
    """What the base engine did, in the same words as ``EngineDiff.outcome``."""

    @property
    def differs(self) -> bool:
        """Whether any engine differs on the request or the response side."""
        return any(e.differs for e in self.engines)


def show(data: bytes, limit: int = SHOW_LIMIT) -> str:
    """Bytes as ASCII text: printable ASCII kept, CR/LF/TAB/backslash named, others ``\\xNN``.

    Args:
        data: Any bytes.
        limit: Bytes shown; the rest is counted.
    """
    out = []
    for b in data[:limit]:
        if b in NAMED:
            out.append(NAMED[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    if len(data) > limit:
        out.append(f"... (+{len(data) - limit} bytes)")
    return "".join(out)


def show_text(text: str, limit: int = SHOW_LIMIT) -> str:
    """Text a library gave us (header values, messages), escaped the same way as bytes."""
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "backslashreplace")
    return show(data, limit)


def show_body(body: bytes | None) -> str:
    """A body as its size and the start of its bytes; ``(none)`` when there is none."""
    if body is None:
        return "(none)"
    if not body:
        return "0 bytes"
    return f"{len(body)} bytes: {show(body, 48)}"


def outcome(exchange: Exchange) -> str:
    """What an engine did with the exchange, in one line.

    ``not expressible: why`` (the library cannot send the spec), ``failed: ...``
    (our engine code crashed, or our client failed), ``hung until the timeout``,
    ``raised Type: message`` (the library's exception) or ``parsed``.
    """
    lib = exchange.library or {}
    err = exchange.error
    if lib.get("expressed") is False:
        return f"not expressible: {show_text(str(lib.get('not_expressed')))}"
    exc = lib.get("exception")
    if lib.get("crashed") and err is not None:
        return f"failed: {show_text(err.message, 160)}"
    if lib.get("hung") or (err is not None and err.kind in _TIMEOUTS):
        return "hung until the timeout"
    if isinstance(exc, dict):
        return f"raised {exc.get('type')}: {show_text(str(exc.get('message')), 160)}"
    if err is not None:
        return f"failed: {err.kind.value}: {show_text(err.message, 160)}"
    return "parsed"


_BLOCK = 4096


def first_difference(ours: bytes, theirs: bytes) -> int | None:
    """Offset of the first byte where two byte strings differ; None when they are equal.

    When one is a prefix of the other, the offset is the shorter one's length.
    """
    if ours == theirs:
        return None
    n = min(len(ours), len(theirs))
    start = 0
    while start < n and ours[start : start + _BLOCK] == theirs[start : start + _BLOCK]:
        start += _BLOCK
    for i in range(start, min(n, start + _BLOCK)):
        if ours[i] != theirs[i]:
            return i
    return n
