"""Sample documents and seeded bytes served by the well-behaved endpoints."""

from __future__ import annotations

import functools
import random
import struct
import zlib
from collections.abc import Iterator

BLOCK = 64 * 1024
"""The seeded pseudo-random block that ``/bytes`` repeats."""
BUFFER = 1024 * 1024
"""Size of the reused write buffer for large bodies."""

SAMPLE_JSON = {
    "slideshow": {
        "title": "What goes over the wire",
        "author": "inspector",
        "date": "2024-01-01",
        "slides": [
            {"type": "all", "title": "Bytes are the truth"},
            {
                "type": "all",
                "title": "Framing",
                "items": ["Content-Length", "chunked", "close-delimited"],
            },
        ],
    },
    "unicode": "naïve café, Straße, 日本語, emoji 🚀",
}

SAMPLE_HTML = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>inspector sample page</title></head>
<body>
<h1>Sample HTML</h1>
<p>A small page with non-ASCII text: naïve café, Straße, 日本語.</p>
<p>Entities stay as typed: &lt;b&gt; &amp; &quot;quotes&quot;.</p>
</body>
</html>
"""

SAMPLE_XML = """<?xml version="1.0" encoding="utf-8"?>
<slideshow title="What goes over the wire" author="inspector">
  <slide type="all"><title>Bytes are the truth</title></slide>
  <slide type="all">
    <title>Framing</title>
    <item>Content-Length</item>
    <item>chunked</item>
    <item>close-delimited</item>
  </slide>
  <note>naïve café, Straße, 日本語</note>
</slideshow>
"""


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def make_png(width: int = 16, height: int = 16) -> bytes:
    """A small valid RGB PNG (a colour gradient), built with zlib only."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows += bytes((x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), 128))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


SAMPLE_PNG = make_png()


@functools.lru_cache(maxsize=16)
def seeded_block(seed: int) -> bytes:
    """The 64 KiB pseudo-random block for ``seed``."""
    return random.Random(seed).randbytes(BLOCK)


@functools.lru_cache(maxsize=4)
def _seeded_buffer(seed: int) -> bytes:
    return seeded_block(seed) * (BUFFER // BLOCK)


def seeded_pieces(n: int, seed: int) -> Iterator[memoryview]:
    """The body of ``/bytes/{n}?seed=S`` as views of one reused buffer.

    Byte ``i`` is ``seeded_block(seed)[i % 65536]``.
    """
    if n <= BLOCK:
        yield memoryview(seeded_block(seed))[:n]
        return
    view = memoryview(_seeded_buffer(seed))
    full, rest = divmod(n, BUFFER)
    for _ in range(full):
        yield view
    if rest:
        yield view[:rest]


def seeded_bytes(n: int, seed: int) -> bytes:
    """All of the body of ``/bytes/{n}?seed=S`` at once (for tests and small sizes)."""
    return b"".join(seeded_pieces(n, seed))
