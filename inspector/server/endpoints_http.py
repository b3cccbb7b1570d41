"""Well-behaved endpoints about HTTP semantics: redirects, auth, cookies, caching."""

from __future__ import annotations

import base64
import binascii
import hashlib

from inspector.server.context import BadRequest, Ctx
from inspector.server.endpoints_echo import args_dict
from inspector.server.registry import Endpoint, endpoint
from inspector.server.responses import Response, encode_field, json_bytes, json_response

ENDPOINTS: list[Endpoint] = []

MAX_REDIRECTS = 100
_REDIRECT_CODES = (301, 302, 303, 307, 308)
# Fields that frame the message: /response-headers will not let a query break framing.
_FRAMING_FIELDS = {"content-length", "transfer-encoding", "connection"}


@endpoint(
    ENDPOINTS,
    "/redirect/{n}",
    "Redirect n times (?status=301|302|303|307|308, ?absolute=1), then land on /get",
    "Clients follow redirects differently: method changes on 301/302/303, limits, Location forms",
    example="/redirect/3",
)
def redirect(ctx: Ctx) -> Response:
    n = ctx.int_value(ctx.param("n"), "n", 1, 1, MAX_REDIRECTS)
    code = ctx.int_arg("status", 302, 300, 399)
    if code not in _REDIRECT_CODES:
        raise BadRequest(f"status must be one of {', '.join(map(str, _REDIRECT_CODES))}")
    query = ctx.request.target.partition(b"?")[2].decode("latin-1")
    target = "/get" if n == 1 else f"/redirect/{n - 1}" + (f"?{query}" if query else "")
    location = ctx.base_url() + target if ctx.flag("absolute") else target
    return Response(
        code,
        [("Location", location), ("Content-Type", "text/plain; charset=utf-8")],
        body=f"Redirecting to {location}\n".encode(),
    )


@endpoint(
    ENDPOINTS,
    "/redirect-to",
    "Redirect to ?url=U with ?status=302 (any URL: loopback use only)",
    "Location may be relative, absolute, or point elsewhere entirely",
    example="/redirect-to?url=/get&status=307",
)
def redirect_to(ctx: Ctx) -> Response:
    url = ctx.arg("url")
    if not url:
        raise BadRequest("give the target as ?url=...")
    code = ctx.int_arg("status", 302, 300, 399)
    try:
        encode_field("Location", url)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return Response(code, [("Location", url)])


@endpoint(
    ENDPOINTS,
    "/basic-auth/{user}/{password}",
    "200 with the right Basic credentials, else 401 with WWW-Authenticate",
    "Basic credentials are only base64: readable by anyone who sees the bytes",
    example="/basic-auth/user/passwd",
)
def basic_auth(ctx: Ctx) -> Response:
    user, password = ctx.param("user"), ctx.param("password")
    given = ctx.request.header(b"authorization") or b""
    scheme, _, token = given.partition(b" ")
    ok = False
    if scheme.lower() == b"basic":
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        ok = decoded == f"{user}:{password}"
    if not ok:
        return json_response(
            {"authenticated": False},
            401,
            [("WWW-Authenticate", 'Basic realm="inspector", charset="UTF-8"')],
        )
    return json_response({"authenticated": True, "user": user})


@endpoint(
    ENDPOINTS,
    "/bearer",
    "200 with any Authorization: Bearer token, else 401 with WWW-Authenticate: Bearer",
    "A bearer token is a password in a header: never log it, never send it over plain HTTP",
)
def bearer(ctx: Ctx) -> Response:
    given = ctx.request.header(b"authorization") or b""
    scheme, _, token = given.partition(b" ")
    token = token.strip()
    if scheme.lower() != b"bearer" or not token:
        return json_response({"authenticated": False}, 401, [("WWW-Authenticate", "Bearer")])
    return json_response({"authenticated": True, "token": token.decode("latin-1")})


def _cookies(ctx: Ctx) -> dict[str, str]:
    jar: dict[str, str] = {}
    for value in ctx.request.header_values(b"cookie"):
        for pair in value.decode("latin-1").split(";"):
            name, eq, val = pair.strip().partition("=")
            if name and eq:
                jar[name] = val
    return jar


@endpoint(
    ENDPOINTS,
    "/cookies",
    "The cookies the request carried, as JSON",
    "Cookies are one Cookie field; the client decides which ones to send back",
)
def cookies(ctx: Ctx) -> Response:
    return json_response({"cookies": _cookies(ctx)})


def _set_cookies(ctx: Ctx, lines: list[tuple[str, str]]) -> Response:
    try:
        for name, value in lines:
            encode_field(name, value)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return Response(302, [("Location", "/cookies"), *lines])


@endpoint(
    ENDPOINTS,
    "/cookies/set",
    "Set the cookies of the query (?k=v) with Set-Cookie, then redirect to /cookies",
    "Set-Cookie is the one field that cannot be folded into a comma list",
    example="/cookies/set?flavour=oatmeal&colour=brown",
)
def cookies_set(ctx: Ctx) -> Response:
    return _set_cookies(ctx, [("Set-Cookie", f"{k}={v}; Path=/") for k, v in ctx.query])


@endpoint(
    ENDPOINTS,
    "/cookies/delete",
    "Expire the named cookies (?k) with Max-Age=0, then redirect to /cookies",
    "A cookie is deleted by setting it again, already expired",
    example="/cookies/delete?flavour",
)
def cookies_delete(ctx: Ctx) -> Response:
    return _set_cookies(ctx, [("Set-Cookie", f"{k}=; Max-Age=0; Path=/") for k, _ in ctx.query])


@endpoint(
    ENDPOINTS,
    "/response-headers",
    "Answer with the query's k=v pairs as header fields (framing fields refused)",
    "Any field you like, in the order you like, to see how a client reads it",
    example="/response-headers?X-Hello=world&Cache-Control=no-store",
)
def response_headers(ctx: Ctx) -> Response:
    fields = list(ctx.query)
    for name, value in fields:
        if name.lower() in _FRAMING_FIELDS:
            raise BadRequest(f"{name} frames the message; see the misbehaving endpoints instead")
        try:
            encode_field(name, value)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
    if not any(name.lower() == "content-type" for name, _ in fields):
        fields.insert(0, ("Content-Type", "application/json"))
    return Response(200, fields, body=json_bytes(args_dict(ctx.query)))


def _etag_response(ctx: Ctx, etag: str) -> Response:
    quoted = etag if etag.startswith(('"', 'W/"')) else f'"{etag}"'
    try:
        encode_field("ETag", quoted)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    strong = quoted.removeprefix("W/")

    def listed(field: bytes) -> list[str] | None:
        value = ctx.request.header(field)
        if value is None:
            return None
        return [t.strip() for t in value.decode("latin-1").split(",") if t.strip()]

    none_match = listed(b"if-none-match")
    # RFC 9110 §13.1.2: If-None-Match uses weak comparison.
    if none_match is not None and (
        "*" in none_match or strong in {t.removeprefix("W/") for t in none_match}
    ):
        return Response(304, [("ETag", quoted)])
    if_match = listed(b"if-match")
    # RFC 9110 §13.1.1: If-Match uses strong comparison.
    if if_match is not None and "*" not in if_match and quoted not in if_match:
        return json_response({"error": "no If-Match tag matched"}, 412, [("ETag", quoted)])
    return json_response({"etag": quoted, "path": ctx.path}, 200, [("ETag", quoted)])


@endpoint(
    ENDPOINTS,
    "/etag",
    "A fixed ETag; 304 Not Modified when If-None-Match matches it",
    "Conditional requests: a 304 has no body, whatever its other fields say",
)
def etag_fixed(ctx: Ctx) -> Response:
    tag = hashlib.sha256(b"inspector etag").hexdigest()[:16]
    return _etag_response(ctx, tag)


@endpoint(
    ENDPOINTS,
    "/etag/{etag}",
    "ETag: the given value; 304 on a matching If-None-Match, 412 on a failed If-Match",
    "Weak (W/) and strong comparison differ between If-None-Match and If-Match",
    example="/etag/abc123",
)
def etag_given(ctx: Ctx) -> Response:
    return _etag_response(ctx, ctx.param("etag"))
