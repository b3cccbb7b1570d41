"""Fast constructors: the same frozen instances as the classes' own __init__, cheaper."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass

import pytest

from inspector.model import (
    Anomaly,
    ChunkRecord,
    ConnectionInfo,
    Exchange,
    Framing,
    HeaderField,
    ParsedResponse,
    RequestSpec,
    Severity,
    Timings,
    Transcript,
)
from inspector.model.construct import fast_constructor
from inspector.model.exchange import new_connection_info, new_exchange, new_timings
from inspector.model.response import new_parsed_response


def _response_fields() -> tuple[object, ...]:
    return (
        b"HTTP/1.1",
        200,
        b"OK",
        (HeaderField(b"Content-Length", b"2", b"Content-Length: 2", 17, 34),),
        (),
        (),
        Framing.CONTENT_LENGTH,
        2,
        b"ok",
        2,
        ((38, 40),),
        (ChunkRecord(1, 2, 3, 4),),
        (0, 15),
        (0, 38),
        0,
        40,
        True,
        True,
        (Anomaly("x", Severity.INFO, 0, 1, "m"),),
    )


def _cases() -> list[tuple[object, type, tuple[object, ...]]]:
    spec = RequestSpec(url="http://example.test/")
    return [
        (new_timings, Timings, (None, 0.1, None, 0.2, 0.3, 0.4, 0.5)),
        (new_connection_info, ConnectionInfo, (3, True, "a:1", "b:2", ("a:1",), "open", None)),
        (new_parsed_response, ParsedResponse, _response_fields()),
        (
            new_exchange,
            Exchange,
            ("inspector", spec, Transcript(), None, (), Timings(), None, None, (), None, None),
        ),
    ]


@pytest.mark.parametrize("new, cls, values", _cases())
def test_fast_constructor_builds_what_the_class_builds(
    new: object, cls: type, values: tuple[object, ...]
) -> None:
    """Equal, same type, same repr and hash, still frozen, and copies and pickles alike."""
    assert callable(new)
    fast = new(*values)
    slow = cls(*values)
    assert type(fast) is cls
    assert fast == slow and repr(fast) == repr(slow)
    names = [f.name for f in dataclasses.fields(cls)]
    assert [getattr(fast, n) for n in names] == list(values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fast, names[0], values[0])
    assert dataclasses.replace(fast) == slow
    assert copy.copy(fast) == slow
    if cls is not Exchange:  # an Exchange holds a Transcript, which is not picklable
        assert hash(fast) == hash(slow)
        assert pickle.loads(pickle.dumps(fast)) == slow


def test_fast_constructor_needs_every_field() -> None:
    """Fields are positional and all required: no default is filled in silently."""
    with pytest.raises(TypeError):
        new_timings(None, None)


@dataclass(frozen=True)
class _NoSlots:
    a: int


@dataclass(slots=True)
class _NotFrozen:
    a: int


@dataclass(frozen=True, slots=True)
class _PostInit:
    a: int

    def __post_init__(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class _Base:
    a: int


@dataclass(frozen=True, slots=True)
class _Derived(_Base):
    b: int


@pytest.mark.parametrize("cls", [_NoSlots, _NotFrozen, _PostInit, _Derived, int])
def test_fast_constructor_refuses_other_classes(cls: type) -> None:
    """Only plain frozen slots dataclasses qualify; anything else is refused at once."""
    with pytest.raises(TypeError):
        fast_constructor(cls)
