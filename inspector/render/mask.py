"""Secrets drawn as ``*`` in byte views: pure, so that it is tested without a screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def masked(
    read: Callable[[int, int], bytes], start: int, end: int, data: bytes, masks: Sequence[bytes]
) -> bytes:
    """``data`` (the bytes ``[start, end)`` of a stream) with every byte of a mask's
    occurrence replaced by ``*``, occurrences that cross the row's edges included."""
    reach = max(len(m) for m in masks) - 1
    lo = max(0, start - reach)
    window = read(lo, end + reach)
    out = bytearray(data)
    hit = False
    for mask in masks:
        i = window.find(mask)
        while i >= 0:
            a, b = max(lo + i, start), min(lo + i + len(mask), end)
            if a < b:
                out[a - start : b - start] = b"*" * (b - a)
                hit = True
            i = window.find(mask, i + 1)
    return bytes(out) if hit else data
