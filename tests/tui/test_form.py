"""The builder's form logic: spec from fields, query kept in step with the URL."""

from __future__ import annotations

import pytest

from inspector.model import InputError
from inspector.tui.form import (
    Form,
    build_spec,
    header_name_problem,
    header_rows,
    header_text,
    query_lines,
    url_with_query,
)


def test_query_and_url_stay_in_step() -> None:
    """Editing query rows rewrites the URL's query; disabled rows are left out."""
    url = "http://h.test/p?a=1&b=two%20words"
    assert query_lines(url) == "a=1\nb=two words"
    assert url_with_query(url, "a=1\n# b=2\nc=x y") == "http://h.test/p?a=1&c=x%20y"


def test_spec_keeps_header_case_order_and_adds_defaults_visibly() -> None:
    """Headers keep case and order; disabled ones are not sent; defaults come first."""
    spec = build_spec(Form(url="http://h.test/", headers="X-B: 2\n# X-Off: no\nx-a: 1"))
    names = [n for n, _ in spec.headers]
    assert names == [b"Host", b"User-Agent", b"Accept", b"X-B", b"x-a"]
    plain = build_spec(Form(url="http://h.test/", headers="X-B: 2", auto_headers=False))
    assert plain.headers == ((b"X-B", b"2"),)


def test_json_form_and_auth_bodies() -> None:
    """JSON is validated; form rows are urlencoded; auth adds Authorization."""
    spec = build_spec(
        Form(
            method="POST",
            url="http://h.test/",
            body_kind="json",
            body='{"a":1}',
            auth_kind="bearer",
            auth_token="t0k",
        )
    )
    assert spec.body == b'{"a":1}'
    assert (b"Content-Type", b"application/json") in spec.headers
    assert (b"Authorization", b"Bearer t0k") in spec.headers
    form = build_spec(
        Form(method="POST", url="http://h.test/", body_kind="form", body="a=1 2\nb=&")
    )
    assert form.body == b"a=1%202&b=%26"
    with pytest.raises(InputError, match="JSON"):
        build_spec(Form(url="http://h.test/", body_kind="json", body="{nope"))


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (Form(url="ftp://x/"), "scheme"),
        (Form(url="http://h.test/", method="GE T"), "not a token"),
        (Form(url="http://h.test/", headers="no colon here"), "no colon"),
        (Form(url="http://h.test/", body_kind="file", body_file="/no/such/file"), "cannot read"),
    ],
)
def test_bad_fields_are_one_line_errors(form: Form, message: str) -> None:
    """Each unusable field gives an InputError saying what is wrong."""
    with pytest.raises(InputError, match=message):
        build_spec(form)


def test_header_rows_and_text_convert_both_ways() -> None:
    """Issue 6: header lines become rows (disabled ones kept, case kept) and back; empty
    rows are left out; a line a row cannot hold (no colon) is refused."""
    text = "X-A: 1\n\n  # x-Off :  no \nx-b:2: 3\nEmpty:"
    rows = header_rows(text)
    assert rows == [
        (True, "X-A", "1"),
        (False, "x-Off", "no"),
        (True, "x-b", "2: 3"),
        (True, "Empty", ""),
    ]
    assert header_text([*rows, (True, " ", ""), (False, "", "")]) == (
        "X-A: 1\n# x-Off: no\nx-b: 2: 3\nEmpty:"
    )
    assert header_rows(header_text(rows)) == rows
    with pytest.raises(InputError, match="no colon"):
        header_rows("X-A: 1\n# a comment")
    assert header_name_problem("X-Fine") is None
    assert "colon" in (header_name_problem("a:b") or "")
    assert "disabled" in (header_name_problem("#x") or "")
