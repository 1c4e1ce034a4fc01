"""The desk's guard, in front of every request (pure ASGI middleware):

- with a token, every request carries it: `Authorization: Bearer T`, or the HttpOnly cookie
  the first page load sets when it comes with `?token=T`; anything else is answered 401;
- without a token (a desk on this machine only), the Host header must name this machine, so a
  web page elsewhere cannot reach the desk through DNS rebinding;
- request bodies are limited: 1 MB of JSON, 20 MB for an uploaded orders file (413).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from ..errors import Fault, InputError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "desk_token"
JSON_LIMIT = 1 * 1024 * 1024  # bytes of a JSON request body
UPLOAD_LIMIT = 20 * 1024 * 1024  # bytes of an uploaded orders file (with its form)
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")


def is_local(host: str) -> bool:
    """A host name or address that only this machine can reach."""
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, token: str | None) -> None:
    """Listening beyond this machine needs a token: refused otherwise (exit code 3)."""
    if not is_local(host) and not token:
        raise InputError(
            Fault(
                "--host",
                f"{host} is reachable from other machines: give --token T too, so that only "
                "those who know it can use the desk (or leave --host out to listen on "
                "127.0.0.1 only)",
            )
        )


def check_token(token: str | None) -> None:
    """A token travels in a header, a query and a cookie: printable ASCII, no separators."""
    if token is None:
        return
    if len(token) < 8 or not all(33 <= ord(c) < 127 and c not in ';,"\\' for c in token):
        raise InputError(
            Fault(
                "--token",
                "must be at least 8 printable ASCII characters without spaces, ';', ',', "
                "quotes or backslashes",
            )
        )


def _host_name(value: str) -> str:
    if value.startswith("["):
        return value[: value.find("]") + 1]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


async def _answer(send: Send, status: int, message: str, headers: list | None = None) -> None:
    body = json.dumps({"error": message}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        token: str | None = None,
        allowed_hosts: tuple[str, ...] = LOCAL_NAMES,
        json_limit: int = JSON_LIMIT,
        upload_limit: int = UPLOAD_LIMIT,
        upload_paths: tuple[str, ...] = ("/api/upload/",),
    ):
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts
        self.json_limit = json_limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    def _authorised(self, scope: Scope) -> tuple[bool, bool]:
        """(the request carries the token, it came as ?token= and a cookie must be set)"""
        if not self.token:
            return True, False
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        want = self.token.encode("utf-8")

        def same(given: str) -> bool:
            return hmac.compare_digest(given.encode("utf-8"), want)

        auth = headers.get("authorization", "")
        if auth.startswith("Bearer ") and same(auth[7:].strip()):
            return True, False
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            cookie = SimpleCookie()
        if COOKIE in cookie and same(cookie[COOKIE].value):
            return True, False
        if scope["path"] == "/":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = query.get("token", [""])[0]
            if given and same(given):
                return True, True
        return False, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not self.token and _host_name(headers.get("host", "")) not in self.allowed_hosts:
            await _answer(send, 403, "this desk answers only requests addressed to this machine")
            return
        ok, set_cookie = self._authorised(scope)
        if not ok:
            await _answer(
                send,
                401,
                "the desk needs its token: open it with ?token=... once, or send "
                "'Authorization: Bearer ...'",
                [(b"www-authenticate", b"Bearer")],
            )
            return
        upload = scope["path"].startswith(self.upload_paths)
        limit = self.upload_limit if upload else self.json_limit
        what = "an uploaded file" if upload else "a request body"
        too_big = f"{what} may be at most {limit // (1024 * 1024)} MB"
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, too_big)
            return
        body, more = b"", True
        if scope["method"] in ("POST", "PUT", "PATCH"):
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > limit:
                    await _answer(send, 413, too_big)
                    return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def send_with_cookie(message: Message) -> None:
            if set_cookie and message["type"] == "http.response.start":
                value = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", value.encode())]
            await send(message)

        await self.app(
            scope,
            replay if scope["method"] in ("POST", "PUT", "PATCH") else receive,
            send_with_cookie,
        )
