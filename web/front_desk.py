"""The front desk (前台受理) in the web: the one-window officers' queue (lifeevents.v1.FrontDesk:
ListQueue, oldest first), a queued case with its form items (Applications/Get shows the front desk
the whole application, personal data masked; the items its steps will send appear once sent), and
Accept or Return with a reason per field. Only an officer of the front desk: a citizen is refused
(403), a department's officer finds no such page (404)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import grpc
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lifeevents.identity import FRONT_DESK, Role
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import front_desk_pb2 as fpb
from lifeevents.v1 import front_desk_pb2_grpc as fpb_grpc
from web import session as sessions
from web.api import GrpcPort, InvalidFields, NotFound
from web.forms import ErrorLink
from web.pages import Site, application_id_of, translator
from web.progress import application_view, field_time

QUEUE_PAGE = 50
MAX_REASON = 500  # FrontDesk/Return: at most 500 characters a field
RETURN_PREFIX = "return."
MAX_TOKEN = 9


class FrontDeskPort(Protocol):
    async def list_queue(self, token: str, page_size: int, page_token: str = "") -> fpb.ListQueueResponse: ...

    async def accept(self, application_id: str, token: str) -> pb.Application: ...

    async def return_for_correction(self, application_id: str, reasons: dict[str, str],
                                    token: str) -> pb.Application: ...


class GrpcFrontDesk(GrpcPort):
    """FrontDeskPort over the coordinator's channel."""

    service = "FrontDesk"

    def __init__(self, channel: grpc.aio.Channel):
        super().__init__(fpb_grpc.FrontDeskStub(channel))

    async def list_queue(self, token: str, page_size: int, page_token: str = "") -> fpb.ListQueueResponse:
        return await self._unary("ListQueue", fpb.ListQueueRequest(page_size=page_size, page_token=page_token), token)

    async def accept(self, application_id: str, token: str) -> pb.Application:
        return await self._unary("Accept", fpb.AcceptRequest(application_id=application_id), token)

    async def return_for_correction(self, application_id: str, reasons: dict[str, str], token: str) -> pb.Application:
        return await self._unary("Return", fpb.ReturnRequest(application_id=application_id, reasons=reasons), token)



@dataclass
class FrontDeskPages:
    site: Site

    def _officer(self, request: Request):
        user = self.site.user(request, Role.OFFICER)  # anyone but an officer: 403
        if user.department != FRONT_DESK:
            raise NotFound()  # a department's officer: no such page for them
        return user

    async def queue(self, request: Request) -> Response:
        user = self._officer(request)
        t = translator(request)
        token = request.query_params.get("page", "")
        token = token if token.isascii() and token.isdigit() and len(token) <= MAX_TOKEN else ""
        found = await self.site.front_desk.list_queue(user.token, QUEUE_PAGE, token)
        names = await self.site.bundle_names(user.token, t)
        rows = [{"id": q.application_id, "bundle": names.get(q.bundle, q.bundle), "returns": q.returns,
                 "submitted_at": field_time(q, "submitted_at"), "queued_at": field_time(q, "queued_at"),
                 "due_at": field_time(q, "due_at")}
                for q in found.applications]
        return self.site.page(request, "front_desk.html", rows=rows, total=found.total,
                              next_page=found.next_page_token, first_page=not token)

    async def case(self, request: Request) -> Response:
        return await self._case(request, self._officer(request), application_id_of(request))

    async def _case(self, request: Request, user, application_id: str, errors: dict[str, str] | None = None,
                    entered: dict[str, str] | None = None) -> Response:
        t = translator(request)
        application = await self.site.applications.get(application_id, user.token)
        form = await self.site.applications.get_form(application.bundle, user.token)
        sent = {name: value for step in application.steps for name, value in step.inputs.items()}
        items = [(f.name, t.text(f.label), t.option(sent[f.name]) if f.name in sent else "") for f in form.fields]
        errors = errors or {}
        summary = [ErrorLink(f"#field-return-{name}", message) for name, message in errors.items()]
        return self.site.page(request, "front_desk_case.html", status_code=400 if errors else 200,
                              app=application_view(application, t), bundle_name=t.text(form.name), items=items,
                              queued=application.status == pb.Application.AWAITING_ACCEPTANCE,
                              due_at=field_time(application, "due_at"), errors=errors, error_summary=summary,
                              entered=entered or {}, max_reason=MAX_REASON)

    async def accept(self, request: Request) -> Response:
        user = self._officer(request)
        await self.site.posted(request)
        await self.site.front_desk.accept(application_id_of(request), user.token)
        sessions.notify(request.session, "front_desk.accepted")
        return RedirectResponse("/front-desk", status_code=303)

    async def return_for_correction(self, request: Request) -> Response:
        user = self._officer(request)
        posted = await self.site.posted(request)
        application_id = application_id_of(request)
        t = translator(request)
        entered = {key.removeprefix(RETURN_PREFIX): str(value).strip()[:2000] for key, value in posted.items()
                   if key.startswith(RETURN_PREFIX) and len(key) <= 64 + len(RETURN_PREFIX)}
        reasons = {name: why for name, why in entered.items() if why}
        errors = {name: t("worklist.error.too_long", maximum=MAX_REASON)
                  for name, why in reasons.items() if len(why) > MAX_REASON}
        if not reasons:
            errors = {next(iter(entered), ""): t("worklist.error.return_none")}
        if not errors:
            try:
                await self.site.front_desk.return_for_correction(application_id, reasons, user.token)
            except InvalidFields as invalid:
                errors = {v.field.removeprefix("reasons."): v.description for v in invalid.violations} \
                    or {next(iter(entered), ""): invalid.message}
        if errors:
            return await self._case(request, user, application_id, errors, entered)
        sessions.notify(request.session, "front_desk.returned")
        return RedirectResponse("/front-desk", status_code=303)
