"""Tests for content decoding (inspector.wire.decode)."""

from __future__ import annotations

import functools
import gzip
import random
import struct
import tracemalloc
import zlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.model.anomaly import Severity
from inspector.wire import decode
from inspector.wire.decode import (
    DEFAULT_DECODED_LIMIT,
    DecodeResult,
    available_codings,
    decode_content,
    parse_codings,
)

MIB = 1 << 20
BOMB_MIB = 1024  # Every bomb below decodes to 1 GiB of zeros.
BOMB_LIMIT = MIB


def _text(size: int, seed: int = 1) -> bytes:
    """Compressible, non-repetitive text, so corruption shows up mid-stream."""
    rng = random.Random(seed)
    words = [bytes(rng.choice(b"abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(500)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + b" "
    return bytes(out[:size])


TEXT = _text(600_000)
SMALL = b"Hello, wire! " * 50


def _raw_deflate(data: bytes) -> bytes:
    co = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return co.compress(data) + co.flush()


def encoder(name: str) -> Callable[[bytes], bytes]:
    """The compressor for one coding; skips the test if its module is missing."""
    if name in ("gzip", "x-gzip"):
        return gzip.compress
    if name == "deflate":
        return zlib.compress
    if name == "br":
        brotli = pytest.importorskip("brotli")
        return lambda data: bytes(brotli.compress(data, quality=5))
    if name == "zstd":
        zstandard = pytest.importorskip("zstandard")
        return lambda data: bytes(zstandard.ZstdCompressor().compress(data))
    assert name == "identity"
    return lambda data: data


def encode(data: bytes, header: str) -> bytes:
    """Apply the codings of a Content-Encoding value in order, as a server would."""
    for name in parse_codings(header.encode()):
        data = encoder(name)(data)
    return data


def codes(result: DecodeResult) -> list[str]:
    return [a.code for a in result.anomalies]


# --- parse_codings and available_codings ----------------------------------------------------


def test_parse_codings_normalises_case_whitespace_lists_and_aliases() -> None:
    """Coding names are split on commas across field lines, trimmed, lowercased and de-aliased."""
    values = [b" GZip ,\tBR", b"", b",, X-GZIP ,", b"ZStd", b"x-Compress"]
    assert parse_codings(values) == ["gzip", "br", "gzip", "zstd", "compress"]


def test_parse_codings_accepts_one_value_and_escapes_non_ascii() -> None:
    """A single bytes value works, and non-ASCII bytes stay visible as escapes."""
    assert parse_codings(b"deflate, caf\xe9") == ["deflate", "caf\\xe9"]
    assert parse_codings(b"") == []


def test_available_codings_follow_the_installed_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """br and zstd are offered exactly when their modules import; gzip/deflate always are."""
    expected = ["gzip", "deflate"]
    for name, module in (("br", "brotli"), ("zstd", "zstandard")):
        try:
            __import__(module)
        except ImportError:
            continue
        expected.append(name)
    assert available_codings() == tuple(expected)
    monkeypatch.setattr(decode, "_import", lambda name: None)
    assert available_codings() == ("gzip", "deflate")


def test_brotli_binding_falls_back_to_brotlicffi_and_skips_brotlipy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """brotlicffi is used when brotli is absent, and brotlipy's different API is refused."""
    cffi: Any = SimpleNamespace(
        Decompressor=type("Decompressor", (), {"process": lambda self, d: b""})
    )
    brotlipy = SimpleNamespace(Decompressor=type("Decompressor", (), {}))  # No process().
    modules: dict[str, Any] = {"brotli": brotlipy, "brotlicffi": cffi}
    monkeypatch.setattr(decode, "_import", modules.get)
    assert decode._brotli() is cffi
    modules["brotlicffi"] = None
    assert decode._brotli() is None


def test_missing_module_imports_as_none() -> None:
    """The optional-module loader turns an ImportError into None instead of raising."""
    assert decode._import("inspector_no_such_module") is None


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gzip", "x-gzip", "deflate", "br", "zstd"])
def test_each_coding_round_trips(name: str) -> None:
    """Each supported coding decodes back to the original, with no anomaly."""
    body = encoder(name)(TEXT)
    result = decode_content(body, [name.encode()])
    assert result == DecodeResult(TEXT, (parse_codings(name.encode())[0],), True, False, ())


@pytest.mark.parametrize(
    "header",
    ["gzip, br", "br, gzip", "deflate, zstd, gzip", "zstd, deflate", "gzip, gzip"],
)
def test_stacked_codings_are_undone_in_reverse(header: str) -> None:
    """Codings are undone last-applied first, and `codings` lists them in that order."""
    body = encode(SMALL, header)
    result = decode_content(body, [header.encode()])
    assert result.data == SMALL
    assert result.codings == tuple(reversed(parse_codings(header.encode())))
    assert result.decoded and not result.anomalies


def test_stacked_codings_across_field_lines_in_any_case() -> None:
    """Several Content-Encoding lines with odd case and spacing combine in order."""
    body = encode(SMALL, "deflate, br")
    result = decode_content(body, [b"  DeFlate\t", b"", b" ,bR ,"])
    assert (result.data, result.codings, result.decoded) == (SMALL, ("br", "deflate"), True)


def test_identity_changes_nothing_but_is_noted() -> None:
    """identity is a no-op in Content-Encoding, flagged as a name meant for Accept-Encoding."""
    body = gzip.compress(SMALL)
    result = decode_content(body, b"gzip, identity")
    assert (result.data, result.codings, result.decoded) == (SMALL, ("identity", "gzip"), True)
    assert [(a.code, a.severity) for a in result.anomalies] == [
        ("identity-content-coding", Severity.INFO)
    ]


def test_no_coding_and_empty_body_pass_through() -> None:
    """Without codings the body is returned as is; an empty body has nothing to decode."""
    assert decode_content(b"plain", []) == DecodeResult(b"plain", (), True, False, ())
    assert decode_content(b"", b"gzip, foo") == DecodeResult(b"", (), True, False, ())


# --- tolerances and corruption ---------------------------------------------------------------


def test_raw_deflate_is_tolerated_with_a_warning() -> None:
    """deflate without the zlib wrapper (non-conformant servers, RFC 9110 §8.4.1.2) decodes."""
    result = decode_content(_raw_deflate(TEXT), b"deflate")
    assert (result.data, result.decoded) == (TEXT, True)
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.severity, anomaly.rfc) == (
        "raw-deflate",
        Severity.WARNING,
        "RFC 9110 §8.4.1.2",
    )


def test_cut_short_raw_deflate_keeps_its_prefix() -> None:
    """A truncated raw deflate body is still read raw, and what it yields is kept."""
    result = decode_content(_raw_deflate(TEXT)[:5000], b"deflate")
    assert codes(result) == ["raw-deflate", "content-decoding-error"]
    assert result.data and TEXT.startswith(result.data) and not result.decoded


def test_deflate_garbage_reports_the_zlib_error() -> None:
    """Bytes that are neither zlib nor raw deflate report the zlib header error, not raw."""
    result = decode_content(b"\xff\xff\xff", b"deflate")
    [anomaly] = result.anomalies
    assert anomaly.code == "content-decoding-error"
    assert "incorrect header check" in anomaly.message and "nothing was decoded" in anomaly.message
    assert (result.data, result.decoded, result.codings) == (b"", False, ("deflate",))


def test_concatenated_gzip_members_all_decode() -> None:
    """RFC 1952 §2.2: a gzip body may hold several members; all are decoded, silently."""
    body = gzip.compress(b"first ") + gzip.compress(b"second ") + gzip.compress(TEXT)
    result = decode_content(body, b"gzip")
    assert result == DecodeResult(b"first second " + TEXT, ("gzip",), True, False, ())


@pytest.mark.parametrize("name", ["gzip", "deflate", "br", "zstd"])
def test_trailing_garbage_gets_its_own_anomaly(name: str) -> None:
    """Bytes after a complete stream are ignored and reported, and decoding still succeeds."""
    result = decode_content(encoder(name)(TEXT) + b"junk", name.encode())
    assert (result.data, result.decoded) == (TEXT, True)
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.severity) == ("content-trailing-data", Severity.WARNING)
    assert anomaly.message.startswith("4 bytes follow the end of the")


@pytest.mark.parametrize("name", ["gzip", "deflate", "br", "zstd"])
def test_cut_short_stream_keeps_the_decoded_prefix(name: str) -> None:
    """A body cut in half reports the early end and keeps the correct prefix decoded so far."""
    body = encoder(name)(TEXT)
    result = decode_content(body[: len(body) // 2], name.encode())
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.severity) == ("content-decoding-error", Severity.WARNING)
    assert "ends before its end marker" in anomaly.message
    assert result.data and TEXT.startswith(result.data)
    assert (result.decoded, result.truncated, result.codings) == (False, False, (name,))


@pytest.mark.parametrize("name", ["gzip", "deflate"])
def test_corrupt_zlib_block_keeps_what_came_before(name: str) -> None:
    """An invalid deflate block mid-stream is reported, keeping everything decoded before it."""
    co = zlib.compressobj(wbits=31 if name == "gzip" else zlib.MAX_WBITS)
    body = co.compress(TEXT) + co.flush(zlib.Z_SYNC_FLUSH) + b"\xff" * 8  # Reserved block type.
    result = decode_content(body, name.encode())
    [anomaly] = result.anomalies
    assert anomaly.code == "content-decoding-error"
    assert "(invalid block type)" in anomaly.message and "600,000 bytes" in anomaly.message
    assert (result.data, result.decoded) == (TEXT, False)


def test_corrupt_second_gzip_member_keeps_the_first() -> None:
    """A bad member after a good one is an error (it has the magic), not trailing data."""
    body = gzip.compress(SMALL) + b"\x1f\x8b\x08\x00garbage-garbage"
    result = decode_content(body, b"gzip")
    assert codes(result) == ["content-decoding-error"]
    assert (result.data, result.decoded) == (SMALL, False)


def test_corrupt_brotli_keeps_everything_before_the_bad_byte() -> None:
    """A bad br meta-block header is reported, and all output before it survives the replay."""
    brotli = pytest.importorskip("brotli")
    co = brotli.Compressor(quality=5)
    # After a flush, 0x0e starts a metadata block with its reserved bit set (RFC 7932 §9.2).
    body = co.process(TEXT) + co.flush() + b"\x0e" * 4
    result = decode_content(body, b"br")
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.rfc) == ("content-decoding-error", "RFC 7932")
    assert (result.data, result.decoded) == (TEXT, False)


def test_corrupt_zstd_block_keeps_everything_before_it() -> None:
    """A reserved zstd block type is reported with zstd's reason, keeping all earlier blocks."""
    zstandard = pytest.importorskip("zstandard")
    co = zstandard.ZstdCompressor().compressobj()
    block_end = co.compress(TEXT) + co.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    body = block_end + b"\x06\x00\x00"  # Block_Type 3 is reserved (RFC 8878 §3.1.1.2).
    result = decode_content(body, b"zstd")
    [anomaly] = result.anomalies
    assert anomaly.code == "content-decoding-error" and "corruption" in anomaly.message
    assert (result.data, result.decoded) == (TEXT, False)


def test_zstd_frames_and_skippable_frames_all_decode() -> None:
    """RFC 8878 §3.1: several frames, skippable ones included, make one zstd stream."""
    frame = encoder("zstd")
    skippable = struct.pack("<II", 0x184D2A53, 3) + b"abc"
    result = decode_content(skippable + frame(b"one ") + skippable + frame(b"two"), b"zstd")
    assert result == DecodeResult(b"one two", ("zstd",), True, False, ())


def test_not_zstd_at_all_is_reported() -> None:
    """Bytes without a zstd frame header are corrupt, with nothing decoded."""
    pytest.importorskip("zstandard")
    result = decode_content(b"garbage!", b"zstd")
    [anomaly] = result.anomalies
    assert anomaly.code == "content-decoding-error" and "nothing was decoded" in anomaly.message
    assert result.data == b""


def test_zstd_window_over_8_mib_is_refused_citing_rfc_9659() -> None:
    """A frame asking for a 16 MiB window is refused as HTTP clients do (RFC 9659 §3)."""
    zstandard = pytest.importorskip("zstandard")
    params = zstandard.ZstdCompressionParameters(window_log=24)
    co = zstandard.ZstdCompressor(compression_params=params).compressobj()
    body = co.compress(SMALL) + co.flush()
    result = decode_content(body, b"zstd")
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.rfc) == ("content-decoding-error", "RFC 9659 §3")
    assert "16,777,216 bytes window" in anomaly.message
    assert not result.decoded


# --- codings that cannot be decoded -----------------------------------------------------------


def test_unknown_coding_stops_and_leaves_bytes_as_received() -> None:
    """An unknown coding is a warning; the body is untouched and nothing is claimed decoded."""
    result = decode_content(b"\x00opaque", b"snappy")
    assert (result.data, result.codings, result.decoded) == (b"\x00opaque", (), False)
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.severity) == ("unknown-content-coding", Severity.WARNING)
    assert '"snappy"' in anomaly.message


def test_unknown_coding_under_a_known_one_stops_after_it() -> None:
    """With "snappy, gzip", gzip is undone first, then decoding stops at snappy."""
    result = decode_content(gzip.compress(b"snappy bytes"), b"snappy, gzip")
    assert (result.data, result.codings, result.decoded) == (b"snappy bytes", ("gzip",), False)
    assert codes(result) == ["unknown-content-coding"]


def test_registered_but_unsupported_coding_is_info() -> None:
    """compress (LZW) is a real coding this inspector cannot decode: info, not a warning."""
    result = decode_content(b"\x1f\x9d\x90", b"x-compress")
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.severity) == ("unsupported-content-coding", Severity.INFO)
    assert (result.data, result.decoded) == (b"\x1f\x9d\x90", False)


@pytest.mark.parametrize(
    ("name", "loader", "library"), [("br", "_brotli", "brotli"), ("zstd", "_zstd", "zstandard")]
)
def test_missing_optional_module_stops_without_raising(
    monkeypatch: pytest.MonkeyPatch, name: str, loader: str, library: str
) -> None:
    """Without brotli/zstandard, br/zstd bodies stay encoded and the anomaly names the module."""
    monkeypatch.setattr(decode, loader, lambda: None)
    result = decode_content(b"\x0b\x02\x80hi\x03", name.encode())
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.severity) == ("unsupported-content-coding", Severity.INFO)
    assert library in anomaly.message
    assert (result.data, result.codings, result.decoded) == (b"\x0b\x02\x80hi\x03", (), False)


# --- spans and the size limit -----------------------------------------------------------------


def test_anomaly_spans_default_to_the_body_and_follow_offset_and_end() -> None:
    """Anomalies span the body: 0..len(body) by default, offset..end when given."""
    body = gzip.compress(SMALL) + b"xx"
    assert decode_content(body, b"gzip").anomalies[0].span == (0, len(body))
    assert decode_content(body, b"gzip", offset=100).anomalies[0].span == (100, 100 + len(body))
    # A chunked body's span in the stream is longer than the body itself.
    assert decode_content(body, b"gzip", offset=7, end=900).anomalies[0].span == (7, 900)


def test_limit_is_exact() -> None:
    """Output of exactly `limit` bytes is complete; one byte more is truncated at the limit."""
    body = gzip.compress(TEXT)
    assert decode_content(body, b"gzip", limit=len(TEXT)).decoded
    result = decode_content(body, b"gzip", limit=len(TEXT) - 1)
    assert (result.data, result.truncated, result.decoded) == (TEXT[:-1], True, False)
    [anomaly] = result.anomalies
    assert (anomaly.code, anomaly.severity) == ("decoded-size-limit", Severity.WARNING)
    assert "599,999-byte limit" in anomaly.message


def test_limit_applies_to_inner_layers_too() -> None:
    """An intermediate layer over the limit stops decoding there, still within the limit."""
    body = encode(bytes(10 * MIB), "gzip, gzip")
    result = decode_content(body, b"gzip, gzip", limit=1000)
    assert (len(result.data), result.codings, result.truncated) == (1000, ("gzip",), True)


def test_default_limit_is_64_mib_and_negative_limit_is_a_caller_error() -> None:
    """The default cap is 64 MiB; a negative limit is a programming error, not peer data."""
    assert DEFAULT_DECODED_LIMIT == 64 * MIB
    with pytest.raises(ValueError, match="limit"):
        decode_content(b"", b"gzip", limit=-1)


def _gzip_bomb() -> bytes:
    """1 GiB of zeros as one valid ~1 MB gzip member, built in ~0.2 s with little memory.

    After a full flush the compressor forgets its history, so each further 1 MiB of zeros
    compresses to the same bytes; the trailer gets the CRC and size of the whole GiB.
    """
    zeros = bytes(MIB)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    middle = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    last = co.compress(zeros) + co.flush()
    crc = 0
    for _ in range(BOMB_MIB):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, (BOMB_MIB * MIB) & 0xFFFFFFFF)
    return first + middle * (BOMB_MIB - 2) + last[:-8] + trailer


def _br_bomb() -> bytes:
    """1 GiB of zeros as one valid 13 KB br stream, by the same flush-and-repeat trick."""
    brotli = pytest.importorskip("brotli")
    co = brotli.Compressor(quality=5)
    zeros = bytes(MIB)
    # From the third flushed MiB on, the encoder's state is steady and each MiB is 13 bytes.
    segments = [co.process(zeros) + co.flush() for _ in range(4)]
    return bytes(b"".join(segments[:3]) + segments[3] * (BOMB_MIB - 3) + co.finish())


def _zstd_bomb() -> bytes:
    """1 GiB of zeros as one 32 KB zstd frame, streamed through a level-1 compressor."""
    zstandard = pytest.importorskip("zstandard")
    co = zstandard.ZstdCompressor(level=1).compressobj()
    zeros = bytes(MIB)
    return b"".join([co.compress(zeros) for _ in range(BOMB_MIB)] + [co.flush()])


BOMBS = {"gzip": _gzip_bomb, "br": _br_bomb, "zstd": _zstd_bomb}


@functools.cache
def _bomb(name: str) -> bytes:
    return BOMBS[name]()


def _decode_measured(body: bytes, name: str) -> tuple[DecodeResult, int]:
    tracemalloc.start()
    try:
        result = decode_content(body, name.encode(), limit=BOMB_LIMIT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.mark.parametrize("name", ["gzip", "br", "zstd"])
def test_bomb_stops_at_the_limit_with_bounded_memory(name: str) -> None:
    """A 1 GiB bomb is cut at a 1 MiB limit while decoding: memory stays under 4 MiB."""
    body = _bomb(name)
    assert len(body) < BOMB_MIB * MIB // 1000
    result, peak = _decode_measured(body, name)
    assert len(result.data) <= BOMB_LIMIT
    assert result.data == bytes(BOMB_LIMIT)
    assert (result.truncated, result.decoded, codes(result)) == (
        True,
        False,
        ["decoded-size-limit"],
    )
    assert peak < 4 * MIB, f"peak {peak:,} bytes"


# --- brotli bindings without output_buffer_limit (brotli < 1.2, brotlicffi) ---------------------


def _legacy_brotli() -> Any:
    """A brotli module whose process() cannot cap its output, like brotli 1.1."""
    brotli = pytest.importorskip("brotli")

    class Decompressor:
        def __init__(self) -> None:
            self._inner = brotli.Decompressor()

        def process(self, data: bytes) -> bytes:
            return bytes(self._inner.process(data))

        def is_finished(self) -> bool:
            return bool(self._inner.is_finished())

    return SimpleNamespace(Decompressor=Decompressor, error=brotli.error)


def test_legacy_brotli_round_trips_and_reports_trailing_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The small-piece fallback decodes fully and still finds where the stream ended."""
    monkeypatch.setattr(decode, "_brotli", _legacy_brotli)
    body = encoder("br")(TEXT)
    assert decode_content(body, b"br") == DecodeResult(TEXT, ("br",), True, False, ())
    result = decode_content(body + b"junk", b"br")
    assert (result.data, codes(result)) == (TEXT, ["content-trailing-data"])


def test_legacy_brotli_bomb_is_still_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without output_buffer_limit the bomb is fed in 64-byte pieces and stopped soon after.

    Each piece of this bomb expands to about 5 MiB, so memory overshoots the limit by that
    much, but no more: the GiB is never held.
    """
    monkeypatch.setattr(decode, "_brotli", _legacy_brotli)
    result, peak = _decode_measured(_bomb("br"), "br")
    assert (len(result.data), result.truncated) == (BOMB_LIMIT, True)
    assert peak < 16 * MIB, f"peak {peak:,} bytes"


# --- properties ---------------------------------------------------------------------------------

CODING_NAMES = ["gzip", "X-Gzip", "deflate", "br", "zstd", "identity", "compress", "snappy", ""]


def _damaged(draw: st.DrawFn) -> bytes:
    """Valid compressed data, then maybe cut and maybe with one byte flipped."""
    name = draw(st.sampled_from([n for n in ("gzip", "deflate", "br", "zstd") if _has(n)]))
    data = encoder(name)(draw(st.binary(max_size=2000)))
    data = data[: draw(st.integers(0, len(data)))]
    if data and draw(st.booleans()):
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    return data


def _has(name: str) -> bool:
    return name in available_codings()


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=600))
    return _damaged(draw)


@settings(deadline=None)
@given(
    body=bodies(),
    values=st.lists(
        st.lists(st.sampled_from(CODING_NAMES), max_size=3).map(lambda n: ", ".join(n).encode()),
        max_size=3,
    ),
    limit=st.integers(0, 5000),
)
def test_decode_never_raises_and_keeps_its_promises(
    body: bytes, values: list[bytes], limit: int
) -> None:
    """Any bytes under any coding list decode without raising, within the limit, in bounds."""
    result = decode_content(body, values, limit=limit, offset=3)
    assert not (result.decoded and result.truncated)
    assert result.truncated == ("decoded-size-limit" in codes(result))
    if any(name != "identity" for name in result.codings):
        assert len(result.data) <= limit
    else:
        assert result.data == body
    for anomaly in result.anomalies:
        assert anomaly.span == (3, 3 + len(body))
        assert anomaly.message.endswith(".") and anomaly.code == anomaly.code.lower()


@settings(deadline=None)
@given(
    data=st.binary(max_size=3000),
    stack=st.lists(st.sampled_from(["gzip", "deflate", "br", "zstd", "identity"]), max_size=3),
)
def test_any_bytes_round_trip_through_any_stack(data: bytes, stack: list[str]) -> None:
    """Whatever the bytes and however the available codings are stacked, decoding undoes them."""
    stack = [name for name in stack if name == "identity" or _has(name)]
    header = ", ".join(stack)
    body = encode(data, header)
    result = decode_content(body, header.encode())
    assert result.data == data
    assert result.decoded or not data
