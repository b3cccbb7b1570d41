"""Content decoding: undo a body's Content-Encoding, a separate step after parsing.

The parser hands over the message body with its transfer coding already removed; this module
removes the content codings (RFC 9110 §8.4) on request, for display. It never raises on peer
bytes: an unknown coding, a missing optional module, corrupt data or a body that decodes to
more than the limit each become an `Anomaly`, and the result keeps whatever was decoded.

The size limit is enforced while decompressing, so a decompression bomb costs memory in
proportion to ``limit`` (a small multiple of it), never to its decoded size: zlib gets
``max_length``, brotli >= 1.2 gets ``output_buffer_limit`` (older bindings are fed 64-byte
input pieces, so they may overshoot by what one piece expands to), and zstd is fed input
pieces sized so that the format's worst-case expansion still fits in the room left.

Only the standard library is imported here; ``brotli`` (or ``brotlicffi``) and ``zstandard``
are imported on first use, and their codings are simply unavailable when they are missing.
"""

from __future__ import annotations

import functools
import importlib
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from inspector.model.anomaly import Anomaly, Severity

DEFAULT_DECODED_LIMIT = 64 * 1024 * 1024
"""The default cap on decoded bytes (64 MiB), applied to every decoding step."""

_OUT_STEP = 256 * 1024  # Most output asked of a decoder per call.
_IN_STEP = 64 * 1024  # Most input handed to a decoder per call.
# Pre-1.2 brotli bindings cannot cap their output, so they only ever see this much input per
# call; the decoded size can overshoot the limit by what one piece expands to before we cut.
_BR_FALLBACK_PIECE = 64
# RFC 9659 §3: zstd content codings use windows of at most 8 MiB, and browsers refuse more.
_ZSTD_MAX_WINDOW = 8 * 1024 * 1024
# A zstd block takes at least 4 input bytes and yields at most 128 KiB, so n input bytes
# decode to at most n << 15 bytes, plus one block completed from earlier input.
_ZSTD_EXPANSION_SHIFT = 15
_ZSTD_MIN_PIECE = 16
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZSTD_SKIPPABLE_TAIL = b"\x2a\x4d\x18"  # Magic 0x184D2A5?, little-endian (RFC 8878 §3.1.2).
_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_WBITS = -zlib.MAX_WBITS

# RFC 9110 §8.4.1.1 and §8.4.1.3: recipients treat the x- names as their standard ones.
_ALIASES = {"x-gzip": "gzip", "x-compress": "compress"}
# Registered in the HTTP Content Coding Registry, but not decodable here.
_REGISTERED = frozenset({"compress", "aes128gcm", "dcb", "dcz", "exi", "pack200-gzip"})
_RFC = {
    "gzip": "RFC 9110 §8.4.1.3",
    "deflate": "RFC 9110 §8.4.1.2",
    "br": "RFC 7932",
    "zstd": "RFC 8878",
}
_LIBRARY = {"br": "brotli (or brotlicffi)", "zstd": "zstandard"}


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """The outcome of removing a body's content codings."""

    data: bytes
    """The decoded bytes, or the bytes as far as decoding got."""
    codings: tuple[str, ...]
    """The normalised codings run, in the order they were undone (the header's reverse)."""
    decoded: bool
    """Whether every listed coding was undone completely."""
    truncated: bool
    """Whether decoding stopped at the size limit."""
    anomalies: tuple[Anomaly, ...]
    """What went wrong or was tolerated, each spanning the whole body."""


def parse_codings(values: bytes | Iterable[bytes]) -> list[str]:
    """Split Content-Encoding field values into coding names.

    Args:
        values: One field value, or every Content-Encoding field value in received order.
            Each may be a comma-separated list in any case, with optional whitespace.

    Returns:
        The lowercase coding names in header order (the order they were applied), with
        empty list items dropped (RFC 9110 §5.6.1) and ``x-gzip``/``x-compress`` mapped to
        ``gzip``/``compress``. Non-ASCII bytes come back backslash-escaped.
    """
    if isinstance(values, bytes):
        values = (values,)
    names: list[str] = []
    for value in values:
        for item in value.split(b","):
            token = item.strip(b" \t").lower()
            if token:
                name = token.decode("ascii", "backslashreplace")
                names.append(_ALIASES.get(name, name))
    return names


def available_codings() -> tuple[str, ...]:
    """List the content codings this installation can decode.

    Returns:
        Coding names ready to join into an Accept-Encoding value: always ``gzip`` and
        ``deflate``, then ``br`` and ``zstd`` when their optional modules import.
        ``identity`` is always acceptable, so it is not listed.
    """
    names = ["gzip", "deflate"]
    if _brotli() is not None:
        names.append("br")
    if _zstd() is not None:
        names.append("zstd")
    return tuple(names)


def decode_content(
    body: bytes,
    content_encoding: bytes | Iterable[bytes],
    *,
    limit: int = DEFAULT_DECODED_LIMIT,
    offset: int = 0,
    end: int | None = None,
) -> DecodeResult:
    """Remove the content codings from a body, last applied first.

    Args:
        body: The message body with any transfer coding already removed.
        content_encoding: The Content-Encoding field values as received (see
            `parse_codings`).
        limit: The most bytes any decoding step may produce. Decoding stops there, with a
            ``decoded-size-limit`` anomaly.
        offset: Where the body starts in the received stream, for anomaly spans.
        end: Where the body ends in the received stream; ``offset + len(body)`` if omitted.

    Returns:
        The decoded bytes (or as far as decoding got), the codings run and any anomalies.
        An empty body has nothing to decode and comes back as is.

    Raises:
        ValueError: If ``limit`` is negative (a caller's mistake, never the peer's).
    """
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    stop = offset + len(body) if end is None else end
    anomalies: list[Anomaly] = []

    def note(code: str, severity: Severity, message: str, rfc: str = "") -> None:
        anomalies.append(Anomaly(code, severity, offset, stop, message, rfc))

    data = body
    done: list[str] = []
    decoded = True
    truncated = False
    for name in reversed(parse_codings(content_encoding)):
        if not data:
            break
        if name == "identity":
            note(
                "identity-content-coding",
                Severity.INFO,
                'Content-Encoding lists "identity", a name reserved for Accept-Encoding; '
                "it changes nothing.",
                "RFC 9110 §12.5.3",
            )
            done.append(name)
            continue
        outcome = _decode_step(name, data, limit)
        if isinstance(outcome, str):
            known = name in _REGISTERED or name in _LIBRARY
            note(
                "unsupported-content-coding" if known else "unknown-content-coding",
                Severity.INFO if known else Severity.WARNING,
                outcome,
                "RFC 9110 §8.4.1",
            )
            decoded = False
            break
        done.append(name)
        data = outcome.data
        rfc = _RFC[name]
        if outcome.raw_deflate:
            # RFC 9110 §8.4.1.2 notes that some non-conformant servers (old IIS and PHP
            # setups among them) send raw deflate without the zlib wrapper; browsers accept it.
            note(
                "raw-deflate",
                Severity.WARNING,
                "The deflate content lacks the zlib wrapper, so it was read as raw deflate, "
                "as browsers do.",
                rfc,
            )
        if outcome.trailing:
            note(
                "content-trailing-data",
                Severity.WARNING,
                f"{_count(outcome.trailing)} follow the end of the {name} data and were ignored.",
                rfc,
            )
        if outcome.truncated:
            note(
                "decoded-size-limit",
                Severity.WARNING,
                f"The {name} content decodes to more than the {limit:,}-byte limit, "
                "so decoding stopped there.",
            )
            truncated = True
        elif outcome.problem:
            note("content-decoding-error", Severity.WARNING, outcome.problem, outcome.rfc or rfc)
        if outcome.truncated or outcome.problem:
            decoded = False
            break
    return DecodeResult(data, tuple(done), decoded, truncated, tuple(anomalies))


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one decoding step produced."""

    data: bytes
    truncated: bool = False
    problem: str = ""  # A sentence saying why the step ended early; "" if it did not.
    rfc: str = ""  # Overrides the coding's own RFC for `problem`.
    trailing: int = 0  # Bytes after a complete stream, ignored.
    raw_deflate: bool = False


class _Sink:
    """Collects decoded output and never keeps more than ``limit`` bytes."""

    __slots__ = ("buf", "limit", "over")

    def __init__(self, limit: int) -> None:
        self.buf = bytearray()
        self.limit = limit
        self.over = False

    def room(self) -> int:
        """How much output to ask for next; one byte past the limit shows it is exceeded."""
        return min(_OUT_STEP, self.limit + 1 - len(self.buf))

    def add(self, chunk: bytes) -> bool:
        """Append ``chunk``, cutting at the limit; return whether the limit was exceeded."""
        self.buf += chunk
        if len(self.buf) > self.limit:
            del self.buf[self.limit :]
            self.over = True
        return self.over

    def outcome(
        self, problem: str = "", rfc: str = "", *, trailing: int = 0, raw_deflate: bool = False
    ) -> _Outcome:
        """Package what was collected."""
        return _Outcome(bytes(self.buf), self.over, problem, rfc, trailing, raw_deflate)


def _decode_step(name: str, data: bytes, limit: int) -> _Outcome | str:
    """Undo one coding, or return a sentence saying why it cannot be undone here."""
    if name == "gzip":
        return _gunzip(data, limit)
    if name == "deflate":
        return _inflate_deflate(data, limit)
    module = _brotli() if name == "br" else _zstd() if name == "zstd" else None
    if module is not None:
        run = _brotli_pass if name == "br" else _zstd_pass
        return _replayed(functools.partial(run, module, data, limit), len(data))
    if name in _LIBRARY:
        return (
            f'Decoding "{name}" needs the optional {_LIBRARY[name]} module, which is not '
            "installed, so decoding stopped there."
        )
    if name in _REGISTERED:
        kind = "a registered coding this inspector cannot decode"
    else:
        kind = "which is not a known content coding"
    return f'Content-Encoding names "{name}", {kind}, so decoding stopped there.'


def _count(n: int) -> str:
    return "1 byte" if n == 1 else f"{n:,} bytes"


def _corrupt(name: str, detail: str, sink: _Sink) -> str:
    return f"The {name} content is corrupt ({detail}); {_kept(sink, 'before that')}."


def _incomplete(name: str, sink: _Sink) -> str:
    return f"The {name} content ends before its end marker; {_kept(sink, 'so far')}."


def _kept(sink: _Sink, when: str) -> str:
    if not sink.buf:
        return f"nothing was decoded {when}"
    return f"the {_count(len(sink.buf))} decoded {when} are kept"


# --- gzip and deflate (zlib) ------------------------------------------------------------


def _inflate(data: bytes, start: int, wbits: int, sink: _Sink, name: str) -> tuple[int, str]:
    """Inflate one stream from ``data[start:]`` into ``sink``.

    Returns ``(end, "")`` when the stream ended at ``end``, ``(-1, "")`` at the size limit and
    ``(-1, problem)`` when the data is corrupt or cut short.
    """
    d = zlib.decompressobj(wbits)
    pos = start
    pending = b""
    while True:
        # Input goes in bounded pieces: unconsumed_tail is a copy, so one big input would be
        # copied again on every call.
        if not pending and pos < len(data):
            pending = data[pos : pos + _IN_STEP]
            pos += len(pending)
        saved = d.copy()  # zlib drops the output of a call that raises; see _salvage.
        try:
            chunk = d.decompress(pending, sink.room())
        except zlib.error as exc:
            _salvage(saved, pending, sink)
            return -1, _corrupt(name, str(exc).rpartition(": ")[2], sink)
        pending = d.unconsumed_tail
        if sink.add(chunk):
            return -1, ""
        if d.eof:
            return pos - len(d.unused_data), ""
        if not chunk and not pending and pos >= len(data):
            return -1, _incomplete(name, sink)


def _salvage(d: zlib._Decompress, pending: bytes, sink: _Sink) -> None:
    """Redo a failed call a byte at a time, since zlib drops the output of a call that raises."""
    for i in range(len(pending)):
        data = pending[i : i + 1]
        try:
            while True:
                chunk = d.decompress(data, sink.room())
                data = d.unconsumed_tail
                sink.add(chunk)
                if not chunk and not data:
                    break
        except zlib.error:
            return


def _gunzip(data: bytes, limit: int) -> _Outcome:
    sink = _Sink(limit)
    pos = 0
    while True:
        pos, problem = _inflate(data, pos, _GZIP_WBITS, sink, "gzip")
        if pos < 0:
            return sink.outcome(problem)
        # RFC 1952 §2.2: a gzip file is a series of members, so decode every one of them.
        if not data.startswith(_GZIP_MAGIC, pos):
            return sink.outcome(trailing=len(data) - pos)


def _inflate_deflate(data: bytes, limit: int) -> _Outcome:
    sink = _Sink(limit)
    end, problem = _inflate(data, 0, _ZLIB_WBITS, sink, "deflate")
    raw = False
    if end < 0 and not sink.buf and not sink.over:
        # Real-world tolerance (see the raw-deflate anomaly): retry without the zlib wrapper,
        # and keep that reading only if it got anywhere.
        raw_sink = _Sink(limit)
        raw_end, raw_problem = _inflate(data, 0, _RAW_WBITS, raw_sink, "deflate")
        if raw_end >= 0 or raw_sink.buf or raw_sink.over:
            sink, end, problem, raw = raw_sink, raw_end, raw_problem, True
    if end < 0:
        return sink.outcome(problem, raw_deflate=raw)
    return sink.outcome(trailing=len(data) - end, raw_deflate=raw)


# --- br and zstd ------------------------------------------------------------------------


def _replayed(run: Callable[[int], _Outcome | int], size: int) -> _Outcome:
    """Run a decoding pass; if a piece raised, run again feeding bytes one by one from there.

    Bindings drop the output of a call that raises, and brotli raises when a piece holds the
    stream's end plus anything more. The byte-wise replay of the bad piece keeps everything
    decoded before the bad byte and tells trailing bytes from corruption.
    """
    result = run(size)
    while isinstance(result, int):
        result = run(result)
    return result


def _piece(pos: int, fine_from: int, size: int) -> int:
    return 1 if pos >= fine_from else min(size, fine_from - pos)


def _brotli_pass(module: ModuleType, data: bytes, limit: int, fine_from: int) -> _Outcome | int:
    """Decode ``data``, a byte at a time from ``fine_from``; return where a piece raised."""
    sink = _Sink(limit)
    dec = module.Decompressor()
    bounded = _takes_output_limit(dec)
    pos = 0
    while pos < len(data):
        size = _piece(pos, fine_from, _IN_STEP if bounded else _BR_FALLBACK_PIECE)
        try:
            if bounded:
                chunk = dec.process(data[pos : pos + size], output_buffer_limit=sink.room())
                # Drain: the decoder holds back output beyond the limit asked for.
                while not sink.add(chunk) and (chunk or not dec.can_accept_more_data()):
                    chunk = dec.process(b"", output_buffer_limit=sink.room())
            else:
                sink.add(dec.process(data[pos : pos + size]))
        except module.error as exc:
            return pos if pos < fine_from else sink.outcome(_corrupt("br", str(exc), sink))
        pos += size
        if sink.over:
            return sink.outcome()
        if dec.is_finished():
            return sink.outcome(trailing=len(data) - pos)
    return sink.outcome(_incomplete("br", sink))


def _takes_output_limit(dec: Any) -> bool:
    """Whether this brotli binding can cap its output (brotli >= 1.2 can)."""
    try:
        dec.process(b"", output_buffer_limit=1)
    except TypeError:
        return False
    return True


def _zstd_pass(module: ModuleType, data: bytes, limit: int, fine_from: int) -> _Outcome | int:
    """Decode zstd frames, a byte at a time from ``fine_from``; return where a piece raised.

    A decompressobj per frame rather than one stream_reader: the reader cannot say where a
    frame ended, so it takes a cut-short frame for a clean end and cannot locate trailing
    bytes. Output stays bounded because each input piece is sized to the room left.
    """
    sink = _Sink(limit)
    dctx = module.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW)
    pos = 0
    while True:
        frame_start = pos
        obj = dctx.decompressobj()
        while True:
            room = sink.limit - len(sink.buf)
            size = max(_ZSTD_MIN_PIECE, min(_IN_STEP, room >> _ZSTD_EXPANSION_SHIFT))
            size = _piece(pos, fine_from, size)
            try:
                chunk = obj.decompress(data[pos : pos + size])
            except module.ZstdError as exc:
                if pos < fine_from:
                    return pos
                return _zstd_failure(module, data[frame_start : frame_start + 18], exc, sink)
            pos += size
            if sink.add(chunk):
                return sink.outcome()
            if obj.eof:
                pos -= len(obj.unused_data)
                break
            if pos >= len(data):
                return sink.outcome(_incomplete("zstd", sink))
        # RFC 8878 §3.1: a zstd stream is a series of frames, skippable ones included.
        head = data[pos : pos + 4]
        if not (head == _ZSTD_MAGIC or (head[1:] == _ZSTD_SKIPPABLE_TAIL and head[0] >> 4 == 5)):
            return sink.outcome(trailing=len(data) - pos)


def _zstd_failure(module: ModuleType, header: bytes, exc: Exception, sink: _Sink) -> _Outcome:
    """Explain a zstd error, singling out windows larger than HTTP allows."""
    try:
        window = int(module.get_frame_parameters(header).window_size)
    except module.ZstdError:
        window = 0
    if window > _ZSTD_MAX_WINDOW:
        return sink.outcome(
            f"The zstd content needs a {_count(window)} window, more than the 8 MiB that HTTP "
            "allows, so it was not decoded.",
            "RFC 9659 §3",
        )
    detail = str(exc).removeprefix("zstd decompressor error: ")
    return sink.outcome(_corrupt("zstd", detail, sink))


# --- optional modules ----------------------------------------------------------------------


def _brotli() -> ModuleType | None:
    """The brotli binding, ``brotli`` first, then ``brotlicffi``; None if neither imports."""
    for name in ("brotli", "brotlicffi"):
        module = _import(name)
        # The long-dead brotlipy also installs a "brotli" module, with another API.
        if module is not None and hasattr(getattr(module, "Decompressor", None), "process"):
            return module
    return None


def _zstd() -> ModuleType | None:
    """The ``zstandard`` module, or None if it does not import."""
    return _import("zstandard")


@functools.cache
def _import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
