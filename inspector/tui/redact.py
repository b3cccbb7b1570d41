"""Secret values kept out of exports: each is replaced by its ``{{name}}`` (no Textual here).

A secret is a variable from the private environment file. Its value is replaced
wherever it appears as bytes, as JSON string text, and inside an
``Authorization: Basic`` token (which is re-encoded with the placeholder), so
an export says which variable to fill in without holding the value.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace

from inspector.formats.httpvars import bytes_of
from inspector.model import RequestSpec

_AUTH = (b"authorization", b"proxy-authorization")


class Redactor:
    """Replaces secret values (longest first) by ``{{name}}`` placeholders.

    Args:
        secrets: Secret names and values (``Environments.secrets``).
    """

    def __init__(self, secrets: dict[str, str]) -> None:
        pairs = {bytes_of(v): ("{{" + k + "}}").encode() for k, v in secrets.items() if v}
        self._pairs = sorted(pairs.items(), key=lambda p: len(p[0]), reverse=True)

    def __bool__(self) -> bool:
        return bool(self._pairs)

    def data(self, data: bytes) -> bytes:
        """Bytes with every secret value replaced."""
        for value, placeholder in self._pairs:
            data = data.replace(value, placeholder)
        return data

    def text(self, text: str) -> str:
        """Text (an export, a JSON document) with every secret value replaced."""
        for value, placeholder in self._pairs:
            shown = value.decode("utf-8", "surrogateescape")
            text = text.replace(shown, placeholder.decode())
            quoted = json.dumps(shown)[1:-1]
            if quoted != shown:
                text = text.replace(quoted, placeholder.decode())
        return text

    def _header(self, name: bytes, value: bytes) -> bytes:
        scheme, _, token = value.partition(b" ")
        if name.lower() in _AUTH and scheme.lower() == b"basic":
            try:
                decoded = base64.b64decode(token.strip(), validate=True)
            except (binascii.Error, ValueError):
                return self.data(value)
            hidden = self.data(decoded)
            if hidden != decoded:
                return scheme + b" " + base64.b64encode(hidden)
        return self.data(value)

    def spec(self, spec: RequestSpec) -> RequestSpec:
        """The spec with secret values replaced in URL, headers, body and raw bytes."""
        if not self._pairs:
            return spec
        raw = None if spec.raw is None else self._raw(spec.raw)
        url = bytes_of(spec.url)
        return replace(
            spec,
            url=self.data(url).decode("utf-8", "surrogateescape"),
            headers=tuple((self.data(n), self._header(n, v)) for n, v in spec.headers),
            body=self.data(spec.body),
            raw=raw,
            request_target=None if spec.request_target is None else self.data(spec.request_target),
        )

    def _raw(self, raw: bytes) -> bytes:
        out = raw
        for line in raw.split(b"\n"):
            name, sep, value = line.partition(b":")
            if sep and name.strip().lower() in _AUTH:
                value = value.strip()
                hidden = self._header(name.strip(), value)
                if hidden != value:
                    out = out.replace(value, hidden)
        return self.data(out)

    def learn(self, spec: RequestSpec) -> None:
        """Also replace, in :meth:`text`, the spec's basic-auth tokens that hold a secret."""
        for name, value in spec.headers:
            hidden = self._header(name, value)
            if hidden != value and name.lower() in _AUTH:
                self._pairs.insert(0, (value.partition(b" ")[2].strip(), hidden.partition(b" ")[2]))
