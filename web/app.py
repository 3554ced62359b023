"""The composition root of the web front door: settings, the API ports over one channel to the
coordinator (TLS when it serves TLS), sessions, pages, routes, middleware, and the mapping of errors
to pages a person understands."""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Callable

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
from web.api import ApplicationsPort, GrpcApplications, channel
from web.applicant import ApplicantPages
from web.cases import CasesPages
from web.cases_api import CasesPort, GrpcCases
from web.charts import svg
from web.config import WebSettings
from web.endings import EndingPages
from web.follow_ups import FollowUpPages
from web.findings import CommitmentsPort, GrpcCommitments
from web.front_desk import FrontDeskPages, FrontDeskPort, GrpcFrontDesk
from web.offers import OfferPages
from web.operations import OperationsPages
from web.operations_api import GrpcOperations, OperationsPort
from web.pages import CommonPages, Renderer, Site, sign_in_redirect
from web.people import demo_people
from web.security import AccessLog, SecurityHeaders
from web.supplement import SupplementPages
from web.worklist import WorklistPages

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
# The cookie outlives the token on purpose: an expired token is noticed and said so (sign_in.expired).
SESSION_COOKIE_MAX_AGE = 12 * 3600


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def routes(common: CommonPages, applicant: ApplicantPages, offers: OfferPages, cases: CasesPages,
           worklist: WorklistPages, ops: OperationsPages, supplement: SupplementPages, desk: FrontDeskPages,
           endings: EndingPages, follow_ups: FollowUpPages) -> list:
    return [
        Route("/", common.home),
        Route("/sign-in", common.sign_in_page, methods=["GET"]),
        Route("/sign-in", common.sign_in, methods=["POST"]),
        Route("/sign-out", common.sign_out, methods=["POST"]),
        Route("/language/{language}", common.language),
        # people who apply: citizens and agents
        Route("/apply/{bundle}", applicant.apply_page, methods=["GET"]),
        Route("/apply/{bundle}", applicant.apply, methods=["POST"]),
        Route("/applications", applicant.my_applications),
        Route("/applications/{application_id}", applicant.application_page),
        Route("/applications/{application_id}/events", applicant.application_events),
        Route("/applications/{application_id}/supplement", supplement.supplement, methods=["POST"]),
        Route("/applications/{application_id}/withdraw", endings.withdraw, methods=["POST"]),
        Route("/applications/{application_id}/rate", endings.rate, methods=["POST"]),
        Route("/offers/{application_id}", offers.offer_page, methods=["GET"]),
        Route("/offers/{application_id}/confirm", offers.confirm, methods=["POST"]),
        Route("/offers/{application_id}/decline", offers.decline, methods=["POST"]),
        Route("/data-access", applicant.data_access),
        Route("/delegations", applicant.delegations, methods=["GET"]),
        Route("/delegations", applicant.grant_delegation, methods=["POST"]),
        Route("/delegations/revoke", applicant.revoke_delegation, methods=["POST"]),
        # officers
        Route("/cases", cases.cases),
        Route("/cases/{application_id}", cases.case),
        Route("/cases/{application_id}/findings/{commitment}", cases.record_finding, methods=["POST"]),
        Route("/front-desk", desk.queue),
        Route("/front-desk/{application_id}", desk.case, methods=["GET"]),
        Route("/front-desk/{application_id}/accept", desk.accept, methods=["POST"]),
        Route("/front-desk/{application_id}/return", desk.return_for_correction, methods=["POST"]),
        Route("/worklist/{case_id}", worklist.case_page, methods=["GET"]),
        Route("/worklist/{case_id}/claim", worklist.claim, methods=["POST"]),
        Route("/worklist/{case_id}/approve", worklist.approve, methods=["POST"]),
        Route("/worklist/{case_id}/reject", worklist.reject, methods=["POST"]),
        Route("/worklist/{case_id}/return", worklist.return_for_correction, methods=["POST"]),
        # operators and admins
        Route("/operations", ops.dashboard),
        Route("/operations/applications", ops.applications),
        Route("/operations/applications/{application_id}", ops.application),
        Route("/operations/applications/{application_id}/history", ops.history, methods=["POST"]),
        Route("/operations/applications/{application_id}/replay", ops.replay, methods=["POST"]),
        Route("/operations/applications/{application_id}/steps/{step}", ops.step_page, methods=["GET"]),
        Route("/operations/applications/{application_id}/steps/{step}", ops.step_action, methods=["POST"]),
        Route("/operations/steps", ops.steps),
        Route("/operations/dead-letters", ops.dead_letters),
        Route("/operations/dead-letters/requeue", ops.requeue, methods=["POST"]),
        Route("/operations/statistics", ops.statistics),
        Route("/operations/follow-ups", follow_ups.follow_ups, methods=["GET"]),
        Route("/operations/follow-ups/close", follow_ups.close, methods=["POST"]),
        Route("/operations/admin", ops.admin),
        Route("/operations/admin/rebuild", ops.rebuild, methods=["POST"]),
        Route("/operations/admin/verify-access-log", ops.verify, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def create_app(settings: WebSettings, api: ApplicationsPort | None = None, operations: OperationsPort | None = None,
               clock: Callable[[], dt.datetime] = _utc_now, cases: CasesPort | None = None,
               front_desk: FrontDeskPort | None = None, commitments: CommitmentsPort | None = None) -> ASGIApp:
    dev_sign_in = None if settings.production else sessions.DevSignIn(
        DevIdentityProvider(settings.identity_dir, clock=clock))
    renderer = Renderer(settings.production, clock)
    renderer.env.globals["svg"] = svg
    site = Site(renderer, clock, api, operations, cases, front_desk, commitments)
    common = CommonPages(site, dev_sign_in, demo_people())

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
        connection = None
        if None in (site.applications, site.operations, site.front_desk, site.commitments):
            connection = channel(settings.grpc_address, settings.coordinator_root_certificates())
            site.applications = site.applications or GrpcApplications(connection)
            site.operations = site.operations or GrpcOperations(connection)
            site.front_desk = site.front_desk or GrpcFrontDesk(connection)
            site.commitments = site.commitments or GrpcCommitments(connection)
        worklists = None
        if site.cases is None:
            site.cases = worklists = GrpcCases(settings.department_addresses)
        log.info("web front door on %s (coordinator %s over %s; %s sign-in)", settings.url, settings.grpc_address,
                 "TLS" if settings.coordinator_ca else "plain gRPC", "no development" if settings.production
                 else "development")
        yield
        log.info("stopping: closing the channel to the coordinator")
        if connection is not None:
            await connection.close(grace=1)
        if worklists is not None:
            await worklists.close()

    worklist = WorklistPages(site)
    app = Starlette(routes=routes(common, ApplicantPages(site), OfferPages(site), CasesPages(site, worklist), worklist,
                                  OperationsPages(site), SupplementPages(site), FrontDeskPages(site),
                                  EndingPages(site), FollowUpPages(site)),
                    lifespan=lifespan, exception_handlers=exception_handlers, middleware=[
                        Middleware(SessionMiddleware, secret_key=settings.session_secret,
                                   session_cookie="lifeevents_session", max_age=SESSION_COOKIE_MAX_AGE,
                                   same_site="lax", https_only=settings.https)])
    # Outside Starlette's own error middleware, so that even a 500 page has the headers and a log line.
    return AccessLog(SecurityHeaders(app, https=settings.https))
