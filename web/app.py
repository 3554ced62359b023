"""The composition root of the web front door: settings, the API port, sessions, pages, routes,
middleware, and the mapping of errors to pages a person understands."""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Callable

import grpc
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from lifeevents.identity import DevIdentityProvider
from web import api as api_errors
from web import session as sessions
from web.api import ApplicationsPort, GrpcApplications
from web.config import WebSettings
from web.pages import Pages, Renderer, sign_in_redirect
from web.people import demo_people
from web.security import AccessLog, SecurityHeaders

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
# The cookie outlives the token on purpose: an expired token is noticed and said so (sign_in.expired).
SESSION_COOKIE_MAX_AGE = 12 * 3600


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def create_app(settings: WebSettings, api: ApplicationsPort | None = None,
               clock: Callable[[], dt.datetime] = _utc_now) -> ASGIApp:
    dev_sign_in = None if settings.production else sessions.DevSignIn(
        DevIdentityProvider(settings.identity_dir, clock=clock))
    renderer = Renderer(settings.production, clock)
    pages = Pages(renderer, dev_sign_in, demo_people(), clock, api)

    def error_page(status_code: int, kind: str, headers: dict[str, str] | None = None):
        def handle(request: Request, exc: Exception) -> Response:
            return renderer.page(request, "error.html", status_code=status_code, headers=headers, kind=kind)
        return handle

    def http_error(request: Request, exc: HTTPException) -> Response:
        kind = "not_found" if exc.status_code in (404, 405) else "failed"
        return renderer.page(request, "error.html", status_code=exc.status_code, kind=kind)

    exception_handlers = {
        sessions.SignInRequired: lambda request, exc: sign_in_redirect(request, exc.notice),
        api_errors.SignInNeeded: lambda request, exc: sign_in_redirect(request, "sign_in.refused"),
        sessions.CsrfFailed: error_page(403, "csrf"),
        api_errors.NotFound: error_page(404, "not_found"),
        api_errors.Forbidden: error_page(403, "forbidden"),
        api_errors.Conflict: error_page(409, "conflict"),
        api_errors.Unavailable: error_page(503, "unavailable", {"Retry-After": "10"}),
        api_errors.InvalidFields: error_page(400, "failed"),
        api_errors.ApiFailed: error_page(502, "failed"),
        HTTPException: http_error,
        Exception: error_page(500, "failed"),
    }

    @asynccontextmanager
    async def lifespan(app):
        channel = None
        if pages.api is None:
            channel = grpc.aio.insecure_channel(settings.grpc_address)
            pages.api = GrpcApplications(channel)
        log.info("web front door on %s (coordinator %s; %s sign-in)", settings.url, settings.grpc_address,
                 "no development" if settings.production else "development")
        yield
        if channel is not None:
            await channel.close(grace=1)

    routes = [
        Route("/", pages.home),
        Route("/sign-in", pages.sign_in_page, methods=["GET"]),
        Route("/sign-in", pages.sign_in, methods=["POST"]),
        Route("/sign-out", pages.sign_out, methods=["POST"]),
        Route("/language/{language}", pages.language),
        Route("/apply/{bundle}", pages.apply_page, methods=["GET"]),
        Route("/apply/{bundle}", pages.apply, methods=["POST"]),
        Route("/applications", pages.my_applications),
        Route("/applications/{application_id}", pages.application_page),
        Route("/applications/{application_id}/events", pages.application_events),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=exception_handlers, middleware=[
        Middleware(SessionMiddleware, secret_key=settings.session_secret, session_cookie="lifeevents_session",
                   max_age=SESSION_COOKIE_MAX_AGE, same_site="lax", https_only=settings.https)])
    # Outside Starlette's own error middleware, so that even a 500 page has the headers and a log line.
    return AccessLog(SecurityHeaders(app, https=settings.https))
