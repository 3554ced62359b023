"""Safe by default: security headers on every response, and an access log of paths without
personal data (which also counts each request in the web's metrics, by route pattern)."""
from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import metrics

access_log = logging.getLogger("web.access")

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
_HSTS = (b"strict-transport-security", b"max-age=31536000")
# Pages show personal data: no cache keeps them. Static files may be cached.
_NO_STORE = (b"cache-control", b"no-store")

_LONG_NUMBER = re.compile(r"\d{6,}[0-9Xx]?")
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9/_.\-]")


def loggable_path(path: str) -> str:
    """A request path fit for a log line: the site's own paths carry only ids and bundle names,
    but anyone can type a URL, so long numbers (a resident ID?) and anything beyond plain ASCII
    (a name?) are masked. Query strings are never logged."""
    return _NOT_PLAIN.sub("*", _LONG_NUMBER.sub("#", path))[:200]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, https: bool = False):
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _HEADERS if h[0] not in present)
                if not scope["path"].startswith("/static/") and b"cache-control" not in present:
                    headers.append(_NO_STORE)
                if self.https:
                    headers.append(_HSTS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def route_of(scope: Scope) -> str:
    """The pattern of the route that answered ("/applications/{application_id}"), never the path."""
    route = scope.get("route")
    return getattr(route, "path", "") or "unmatched"


class AccessLog:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                metrics.request_seconds.labels(route_of(scope)).observe(time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            metrics.requests.labels(route_of(scope), scope["method"], str(status)).inc()
            access_log.info("%s %s %s %.0fms", scope["method"], loggable_path(scope["path"]), status,
                            (time.perf_counter() - started) * 1000)
