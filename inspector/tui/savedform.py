"""Saved requests and the builder's form, both ways, and variables filled into a form.

No Textual here. The form holds template text (``{{name}}`` stays as typed); the
variables are filled in only when the request is sent (:func:`resolve_form`).

Choices, so that a saved request sends the same bytes after a round trip:

- A saved body is opened as a ``text`` body with its headers as they are; a form
  body of kind ``json`` or ``form`` is saved with the ``Content-Type`` the form
  would have added, so it comes back as text plus that header.
- Basic and bearer auth are saved as an ``Authorization`` header (basic auth
  with ``{{variables}}`` in it cannot be: the header is base64 of the values).
- Automatic headers (Host, User-Agent, ...) are not written into the file, as
  JetBrains and VS Code add their own; a request whose automatic headers were
  turned off carries the directive ``# @inspector-auto-headers off``.
- A body file is shown as a full path and saved relative to the ``.http``
  file's folder when it lies under it.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from inspector.formats.httpfile import AUTO_HEADERS_OFF, SavedRequest
from inspector.formats.httpvars import Resolver, bytes_of, raise_missing
from inspector.model import InputError
from inspector.tui.form import Form


def _shown(text: str) -> tuple[str, bool]:
    """Text the form can hold (UTF-8, one line), and whether anything was lost."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text, False
    return bytes_of(text).decode("utf-8", "replace"), True


def form_from_saved(saved: SavedRequest, base_dir: Path | None = None) -> tuple[Form, list[str]]:
    """The builder form for a saved (non-raw) request.

    Args:
        saved: The request.
        base_dir: The ``.http`` file's folder (body file paths are relative to it).

    Returns:
        The form, and one line per thing the form cannot show exactly.
    """
    notes: list[str] = []
    lines = []
    lossy = False
    for name, value in saved.headers:
        if any(c in name + value for c in "\r\n"):
            notes.append(f"header {name!r} holds a line break; it is shown joined")
        name, lost_n = _shown(name.replace("\r", " ").replace("\n", " "))
        value, lost_v = _shown(value.replace("\r", " ").replace("\n", " "))
        lossy = lossy or lost_n or lost_v
        lines.append(f"{name}: {value}")
    kind, body, body_file = "none", "", ""
    if saved.body_file is not None:
        kind, body_file = "file", saved.body_file
        if base_dir is not None and "{{" not in body_file and not Path(body_file).is_absolute():
            body_file = str(base_dir / body_file)
    elif saved.body is not None:
        kind = "text"
        body, lost = _shown(saved.body)
        lossy = lossy or lost
    method, lost_m = _shown(saved.method)
    url, lost_u = _shown(saved.url)
    target, lost_t = _shown(saved.request_target or "")
    if lossy or lost_m or lost_u or lost_t:
        notes.append("bytes that are not UTF-8 are shown as U+FFFD")
    if saved.http_version not in ("HTTP/1.1", "HTTP/1.0"):
        notes.append(f"{saved.http_version} is sent as HTTP/1.1 by the editor")
    form = Form(
        method=method,
        url=url,
        headers="\n".join(lines),
        body_kind=kind,
        body=body,
        body_file=body_file,
        http10=saved.http_version == "HTTP/1.0",
        auto_headers=AUTO_HEADERS_OFF not in saved.directives,
        request_target=target,
    )
    return form, notes


def _header_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise InputError(f"header line {line!r} has no colon")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _has(pairs: list[tuple[str, str]], name: str) -> bool:
    return any(n.lower() == name for n, _ in pairs)


def _form_body(form: Form) -> str:
    pairs = []
    for line in form.body.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        k, _, v = line.partition("=")
        # Braces and $ stay readable so that {{variables}} survive in the file.
        pairs.append(f"{quote(k.strip(), safe='{}$')}={quote(v.strip(), safe='{}$')}")
    return "&".join(pairs)


def _relative(path: str, base_dir: Path | None) -> str:
    if base_dir is None or "{{" in path or not path:
        return path
    try:
        return Path(path).relative_to(base_dir).as_posix()
    except ValueError:
        return path


def saved_from_form(
    form: Form, name: str, base: SavedRequest | None = None, base_dir: Path | None = None
) -> SavedRequest:
    """The saved request for the form (templates kept as typed).

    Args:
        form: The builder's fields.
        name: The request's name.
        base: The request this form was opened from: its title, comments,
            directives and response handlers are kept.
        base_dir: The ``.http`` file's folder, for body file paths.

    Raises:
        InputError: a header line without a colon, or basic auth with variables.
    """
    headers = _header_pairs(form.headers)
    body: str | None = None
    body_file: str | None = None
    ctype = {"json": "application/json", "form": "application/x-www-form-urlencoded"}
    if form.body_kind in ("text", "json"):
        body = form.body or None
    elif form.body_kind == "form":
        body = _form_body(form) or None
    elif form.body_kind == "file":
        body_file = _relative(form.body_file.strip(), base_dir) or None
    if form.body_kind in ctype and not _has(headers, "content-type"):
        headers.append(("Content-Type", ctype[form.body_kind]))
    if form.auth_kind != "none" and not _has(headers, "authorization"):
        if form.auth_kind == "bearer":
            headers.append(("Authorization", f"Bearer {form.auth_token}"))
        else:
            if "{{" in form.auth_user + form.auth_password:
                raise InputError(
                    "basic auth with {{variables}} cannot be saved: "
                    "write an Authorization header instead"
                )
            token = base64.b64encode(f"{form.auth_user}:{form.auth_password}".encode()).decode()
            headers.append(("Authorization", f"Basic {token}"))
    directives = tuple(d for d in (base.directives if base else ()) if d != AUTO_HEADERS_OFF)
    if not form.auto_headers:
        directives += (AUTO_HEADERS_OFF,)
    title = name if base is None or base.title == base.name else base.title
    return SavedRequest(
        name=name,
        title=title,
        method=form.method.strip() or "GET",
        url=form.url.strip(),
        http_version="HTTP/1.0" if form.http10 else "HTTP/1.1",
        headers=tuple(headers),
        body=body,
        body_file=body_file,
        request_target=form.request_target.strip() or None,
        comments=base.comments if base else (),
        directives=directives,
        handlers=base.handlers if base else "",
    )


def renamed(saved: SavedRequest, name: str) -> SavedRequest:
    """The request under a new name (its title follows when it was the name)."""
    return replace(saved, name=name, title=name if saved.title == saved.name else saved.title)


def resolve_form(
    form: Form, variables: dict[str, str], environ: dict[str, str] | None = None
) -> Form:
    """The form with every ``{{reference}}`` filled in (commented header lines skipped).

    Raises:
        InputError: undefined variables (all named on one line), or a loop.
    """
    fields = [form.method, form.url, form.headers, form.body, form.body_file, form.auth_user]
    fields += [form.auth_password, form.auth_token, form.request_target]
    if not any("{{" in f for f in fields):
        return form
    fill = Resolver(variables, environ)
    method, url = fill.text(form.method), fill.text(form.url)  # named in the order they appear
    headers = "\n".join(
        line if line.lstrip().startswith("#") else fill.text(line)
        for line in form.headers.splitlines()
    )
    resolved = replace(
        form,
        method=method,
        url=url,
        headers=headers,
        body=fill.text(form.body),
        body_file=fill.text(form.body_file),
        auth_user=fill.text(form.auth_user),
        auth_password=fill.text(form.auth_password),
        auth_token=fill.text(form.auth_token),
        request_target=fill.text(form.request_target),
    )
    raise_missing(fill.missing)
    return resolved


def resolve_text(text: str, variables: dict[str, str]) -> str:
    """One template (a raw request's URL) filled in.

    Raises:
        InputError: undefined variables, or a loop.
    """
    if "{{" not in text:
        return text
    fill = Resolver(variables)
    out = fill.text(text)
    raise_missing(fill.missing)
    return out
