"""Secrets drawn as '*' in byte rows, also when they cross a row's edge."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from inspector.render.mask import masked

STREAM = b"Authorization: Bearer s3cr3t-t0ken\r\nX-Other: s3cr3t-t0ken!\r\n"


def _read(start: int, end: int) -> bytes:
    return STREAM[max(0, start) : end]


def test_whole_occurrences_are_masked_in_place() -> None:
    """Every occurrence becomes '*' byte for byte; the rest and the length are unchanged."""
    out = masked(_read, 0, len(STREAM), STREAM, [b"s3cr3t-t0ken"])
    assert out == STREAM.replace(b"s3cr3t-t0ken", b"*" * 12)


def test_a_row_without_the_secret_is_returned_as_is() -> None:
    """No occurrence: the same object back (no copy)."""
    row = STREAM[:14]
    assert masked(_read, 0, 14, row, [b"s3cr3t-t0ken"]) is row


@given(st.integers(min_value=0, max_value=len(STREAM) - 1), st.integers(1, 16))
def test_rows_of_any_width_mask_exactly_the_secret_bytes(start: int, width: int) -> None:
    """Cut the stream into any row: the masked row equals the same slice of the fully
    masked stream, so a secret split across two rows is hidden on both."""
    end = min(len(STREAM), start + width)
    full = STREAM.replace(b"s3cr3t-t0ken", b"*" * 12)
    assert masked(_read, start, end, STREAM[start:end], [b"s3cr3t-t0ken"]) == full[start:end]
