"""Variables in ``.http`` templates: ``{{name}}``, dynamic variables, escaping."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.formats.httpvars import (
    Resolver,
    bytes_of,
    escape,
    references,
    substitute,
    text_of,
)
from inspector.model import InputError


def test_names_with_whitespace_and_nested_values() -> None:
    """Whitespace inside braces is ignored and a value may refer to another variable."""
    variables = {"host": "{{ name }}:{{port}}", "name": "api.test", "port": "8080"}
    assert substitute("http://{{ host }}/x", variables) == "http://api.test:8080/x"


def test_undefined_variables_are_all_named() -> None:
    """One error names every undefined variable, each once, in order."""
    with pytest.raises(InputError) as info:
        substitute("{{a}} {{b}} {{a}} {{$nope}}", {})
    assert str(info.value) == "undefined variables: {{a}}, {{b}}, {{$nope}}"


def test_loop_is_an_error_not_a_recursion() -> None:
    """Variables that refer to each other in a loop give a one-line error naming the loop."""
    with pytest.raises(InputError, match=r"loop: a -> b -> a"):
        substitute("{{a}}", {"a": "x{{b}}", "b": "{{a}}"})


def test_text_without_references_is_untouched() -> None:
    """Single braces, unclosed braces and JSON are left exactly as they are."""
    text = '{"a": {"b": 1}} {{ unclosed } {x}'
    assert substitute(text, {}) == text


def test_uuid_and_guid() -> None:
    """$uuid, $guid and $random.uuid are fresh random UUID 4s."""
    values = [substitute(f"{{{{{name}}}}}", {}) for name in ("$uuid", "$guid", "$random.uuid")]
    assert all(uuid.UUID(v).version == 4 for v in values)
    assert len(set(values)) == 3


def test_timestamps() -> None:
    """$timestamp is Unix seconds now; $isoTimestamp is UTC ISO 8601 with Z."""
    before = int(time.time())
    stamp = int(substitute("{{$timestamp}}", {}))
    assert before <= stamp <= time.time()
    iso = substitute("{{$isoTimestamp}}", {})
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", iso)
    parsed = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - parsed).total_seconds()) < 5


def test_random_int() -> None:
    """$randomInt is 0..1000; with MIN MAX it is MIN..MAX-1; a bad range is undefined."""
    assert all(0 <= int(substitute("{{$randomInt}}", {})) <= 1000 for _ in range(50))
    assert {substitute("{{$randomInt 5 7}}", {}) for _ in range(100)} == {"5", "6"}
    with pytest.raises(InputError, match="randomInt 7 5"):
        substitute("{{$randomInt 7 5}}", {})


def test_process_environment() -> None:
    """$processEnv NAME and $env.NAME read the OS environment given; a missing one is named."""
    environ = {"TOKEN": "s3cret"}
    assert substitute("{{$processEnv TOKEN}}/{{$env.TOKEN}}", {}, environ=environ) == (
        "s3cret/s3cret"
    )
    with pytest.raises(InputError, match=r"\{\{\$processEnv HOME\}\}"):
        substitute("{{$processEnv HOME}}", {}, environ=environ)


def test_resolver_collects_instead_of_raising() -> None:
    """The resolver leaves unresolved references as typed and lists them."""
    resolver = Resolver({"a": "1"})
    assert resolver.text("{{a}}{{ b }}") == "1{{ b }}"
    assert resolver.missing == ["b"]


def test_references() -> None:
    """references() lists the stripped text inside each pair of braces."""
    assert references("{{ a }}/{{$processEnv X}}/{x}") == ["a", "$processEnv X"]


@given(st.binary())
def test_template_text_keeps_every_byte(data: bytes) -> None:
    """bytes_of(text_of(b)) == b for any bytes (non-UTF-8 included)."""
    assert bytes_of(text_of(data)) == data


def test_lone_surrogate_does_not_raise() -> None:
    """A pasted lone surrogate is encoded (surrogatepass) instead of raising."""
    assert bytes_of("a\ud800") == b"a\xed\xa0\x80"


def test_escape_makes_one_safe_line() -> None:
    """CR, LF, controls, escape sequences and undecodable bytes become visible escapes."""
    text = text_of(b"a\r\nb\x00\x1b[31m\xff\tc\xe2\x80\xa8")
    assert escape(text) == "a\\r\\nb\\x00\\x1b[31m\\xff\\tc\\u2028"
    assert escape("tab\there", keep_tabs=True) == "tab\there"
