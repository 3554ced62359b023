"""The pages of people who apply: a citizen for themselves, or an agent (帮办代办员) for the people
who delegated a life event to them. The combined form, an application followed live, my
applications (Applications/ListMine), who looked at my data (ListDataAccess) and delegations
(GrantDelegation, RevokeDelegation, ListDelegations). An application the API does not show the
caller (someone else's, or one whose delegation was revoked) is its NOT_FOUND: the "not found" page.

An OFFERED application (proactive service) is shown on its offer page (web/offers.py: confirm or
decline). The practices on the application page, and Supplement, are web/supplement.py; withdraw
(Applications/Withdraw) and rate (Applications/Rate) web/endings.py.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import AsyncIterator

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from lifeevents.identity import Role
from lifeevents.v1 import applications_pb2 as pb
from web import metrics
from web import session as sessions
from web.api import ApiError, Forbidden, InvalidFields, NotFound, TooManyStreams
from web.data_access import entry_view, shown_person
from web.forms import (FIELD_PREFIX, ErrorLink, commitment_views, field_errors, field_views, submitted_values,
                       unaccepted)
from web.i18n import Translator
from web.pages import PERSON_ROLES, Site, application_id_of, translator
from web.stopping import until_stopping
from web.supplement import application_page
from web.progress import BEIJING, application_view, shown_time

PAGE_SIZE = 20
MAX_PAGE_TOKEN = 9  # digits: the API's page tokens are offsets or positions


def sse(event: str, data: str) -> str:
    """One Server-Sent Event; each line of `data` on a `data:` line of its own."""
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in (data.splitlines() or [""])) + "\n"


def page_token_of(request: Request) -> str:
    token = request.query_params.get("page", "")
    return token if token.isascii() and token.isdigit() and len(token) <= MAX_PAGE_TOKEN else ""


def end_of_day(day: dt.date) -> dt.datetime:
    """A delegation granted "until" a date holds to the end of that day, Beijing time."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), BEIJING)


@dataclass
class ApplicantPages:
    site: Site

    # -- the combined form -------------------------------------------------------------------
    async def apply_page(self, request: Request) -> Response:
        user = self.site.user(request)
        form = await self.site.applications.get_form(request.path_params["bundle"], user.token)
        return await self._form_page(request, user, form, {}, {}, [], str(uuid.uuid4()))

    async def _form_page(self, request: Request, user, form, values, errors, summary, idempotency_key: str) -> Response:
        t = translator(request)
        acting_for = await self._acting_for(user, form.bundle) if user.role == Role.AGENT.value else []
        return self.site.page(request, "form.html", status_code=400 if summary else 200,
                              bundle=form.bundle, bundle_name=t.text(form.name),
                              fields=field_views(form, values, errors, t), error_summary=summary,
                              commitments=commitment_views(form, values, errors, t),
                              asked=form.asked_count, looked_up=form.looked_up_count,
                              idempotency_key=idempotency_key, is_agent=user.role == Role.AGENT.value,
                              acting_for=acting_for)

    async def _acting_for(self, user, bundle: str) -> list[str]:
        """The people (masked) whose delegation for this bundle the agent holds now."""
        return [shown_person(d.principal) for d in await self.site.applications.list_delegations(user.token)
                if d.agent == user.subject and d.bundle == bundle and d.holds]

    async def apply(self, request: Request) -> Response:
        user = self.site.user(request)
        posted = await self.site.posted(request)
        form = await self.site.applications.get_form(request.path_params["bundle"], user.token)
        values = submitted_values(form, posted)
        key = str(posted.get("idempotency_key") or "")[:64] or str(uuid.uuid4())
        try:
            application_id = await self.site.applications.submit(form.bundle, values, key, user.token)
        except InvalidFields as invalid:
            t = translator(request)
            at_field, summary = field_errors(form, invalid.violations + unaccepted(form, values, invalid.violations), t)
            return await self._form_page(request, user, form, values, at_field,
                                         summary or [ErrorLink("", invalid.message)], key)
        except Forbidden as refused:
            # Not a principal of this form (nor their agent): said at the field that names the principal.
            names = {spec.name for spec in form.fields}
            if not any(v.field.removeprefix(FIELD_PREFIX) in names for v in refused.violations):
                raise
            t = translator(request)
            at_field, summary = field_errors(form, refused.violations, t, refusal=True)
            return await self._form_page(request, user, form, values, at_field, summary, key)
        return RedirectResponse(f"/applications/{application_id}", status_code=303)

    # -- an application ----------------------------------------------------------------------
    async def application_page(self, request: Request) -> Response:
        application_id = application_id_of(request)
        user = self.site.user(request)
        if user.role == Role.OFFICER.value:
            return RedirectResponse(f"/cases/{application_id}", status_code=303)
        if user.role in (Role.OPERATOR.value, Role.ADMIN.value):
            return RedirectResponse(f"/operations/applications/{application_id}", status_code=303)
        t = translator(request)
        application = await self.site.applications.get(application_id, user.token)
        if application.status == pb.Application.OFFERED:
            return RedirectResponse(f"/offers/{application_id}", status_code=303)
        form = await self.site.applications.get_form(application.bundle, user.token)
        return application_page(self.site, request, application, form)

    async def application_events(self, request: Request) -> Response:
        """The Applications/Watch stream relayed as Server-Sent Events: after each event of the
        application, its progress section rendered anew (`progress`) and a line for screen readers
        (`status`); `end` once it can change no more, or when the person has too many live pages open
        (the coordinator bounds the Watch streams of one caller: the token's subject)."""
        user = self.site.user(request, *PERSON_ROLES)
        application_id = application_id_of(request)
        t = translator(request)
        api = self.site.applications
        first = await api.get(application_id, user.token)  # NotFound etc. become pages here
        labels = await self.site.field_labels(t)

        def render(application) -> list[str]:
            view = application_view(application, t, labels)
            html = self.site.renderer.fragment("_progress.html", t=t, app=view, now=shown_time(self.site.clock()))
            return [sse("progress", html), sse("status", f"{t('application.status')}: {view.status_label}")]

        async def stream() -> AsyncIterator[str]:
            metrics.live_streams.inc()
            try:
                yield "retry: 5000\n\n"
                for message in render(first):
                    yield message
                if application_view(first, t).terminal:
                    yield sse("end", "")
                    return
                seen = first.version
                async for event in until_stopping(api.watch(application_id, user.token)):
                    if event.version <= seen:
                        continue
                    application = await api.get(application_id, user.token)
                    seen = application.version
                    for message in render(application):
                        yield message
                    if application_view(application, t).terminal:
                        yield sse("end", "")
                        return
                # the web is stopping (or Watch ended early): no `end`, so the browser reconnects
            except TooManyStreams:
                yield sse("status", t("application.too_many_live"))
                yield sse("end", "")
            except ApiError:
                pass  # the page keeps its refresh link; the browser reconnects after `retry`
            finally:
                metrics.live_streams.dec()

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    # -- lists -------------------------------------------------------------------------------
    async def my_applications(self, request: Request) -> Response:
        user = self.site.user(request, *PERSON_ROLES)
        t = translator(request)
        mine = await self.site.applications.list_mine(user.token, PAGE_SIZE, page_token_of(request))
        names = await self.site.bundle_names(user.token, t)
        rows, offers = [], []
        for summary in mine.applications:
            status = pb.Application.Status.Name(summary.status)
            if summary.status == pb.Application.OFFERED:
                offers.append({"id": summary.application_id, "bundle": names.get(summary.bundle, summary.bundle),
                               "expires_at": shown_time(summary.expires_at.ToDatetime(dt.timezone.utc))
                               if summary.HasField("expires_at") else ""})
            rows.append({"id": summary.application_id, "bundle": names.get(summary.bundle, summary.bundle),
                         "status": t.maybe(f"status.application.{status}", status),
                         "role": t.maybe(f"mine.role.{summary.role}", summary.role),
                         "submitted_at": shown_time(summary.submitted_at.ToDatetime(dt.timezone.utc))
                         if summary.HasField("submitted_at") else ""})
        return self.site.page(request, "mine.html", rows=rows, offers=offers, total=mine.total, next_page=mine.next_page_token,
                              first_page=not page_token_of(request), is_agent=user.role == Role.AGENT.value)

    async def data_access(self, request: Request) -> Response:
        user = self.site.user(request, *PERSON_ROLES)
        t = translator(request)
        log = await self.site.applications.list_data_access(user.token, PAGE_SIZE, page_token_of(request))
        labels = await self.site.field_labels(t)
        names = await self.site.bundle_names(user.token, t)
        entries = [entry_view(entry, labels, names, t) for entry in log.entries]
        return self.site.page(request, "data_access.html", entries=entries, next_page=log.next_page_token,
                              first_page=not page_token_of(request))

    # -- delegations (帮办代办) ----------------------------------------------------------------
    async def delegations(self, request: Request) -> Response:
        return await self._delegations_page(request, self.site.user(request, *PERSON_ROLES))

    async def _delegations_page(self, request: Request, user, errors: dict[str, str] | None = None,
                                entered: dict[str, str] | None = None) -> Response:
        t = translator(request)
        names = await self.site.bundle_names(user.token, t)
        granted, received = [], []
        for d in await self.site.applications.list_delegations(user.token):
            row = {"agent": d.agent, "agent_shown": shown_person(d.agent), "principal": shown_person(d.principal),
                   "bundle": d.bundle, "bundle_name": names.get(d.bundle, d.bundle),
                   "until": shown_time(d.until.ToDatetime(dt.timezone.utc))[:10] if d.HasField("until") else "",
                   "revoked": d.HasField("revoked_at"), "holds": d.holds,
                   "state": t("delegation.state.holds" if d.holds else
                              "delegation.state.revoked" if d.HasField("revoked_at") else "delegation.state.ended")}
            (granted if d.principal == user.subject else received).append(row)
        errors = errors or {}
        summary = [ErrorLink(f"#field-{name}", message) for name, message in errors.items()]
        return self.site.page(request, "delegations.html", status_code=400 if errors else 200,
                              granted=granted, received=received, bundles=sorted(names.items()),
                              is_citizen=user.role == Role.CITIZEN.value, errors=errors, error_summary=summary,
                              entered=entered or {}, latest_until=(self.site.clock().astimezone(BEIJING).date()
                                                                   + dt.timedelta(days=365)).isoformat())

    async def grant_delegation(self, request: Request) -> Response:
        user = self.site.user(request, Role.CITIZEN)
        posted = await self.site.posted(request)
        t = translator(request)
        entered = {k: str(posted.get(k) or "").strip()[:64] for k in ("agent", "bundle", "until")}
        errors = self._check_grant(entered, t)
        if not errors:
            try:
                await self.site.applications.grant_delegation(entered["agent"].upper(), entered["bundle"],
                                                             end_of_day(dt.date.fromisoformat(entered["until"])),
                                                             user.token)
            except (InvalidFields, NotFound) as refused:
                errors = self._grant_errors(refused, t)
        if errors:
            return await self._delegations_page(request, user, errors, entered)
        sessions.notify(request.session, "delegation.granted")
        return RedirectResponse("/delegations", status_code=303)

    @staticmethod
    def _check_grant(entered: dict[str, str], t: Translator) -> dict[str, str]:
        errors = {}
        if not entered["agent"]:
            errors["agent"] = t("delegation.error.agent_required")
        if not entered["bundle"]:
            errors["bundle"] = t("delegation.error.bundle")
        try:
            dt.date.fromisoformat(entered["until"])
        except ValueError:
            errors["until"] = t("delegation.error.until")
        return errors

    @staticmethod
    def _grant_errors(refused: ApiError, t: Translator) -> dict[str, str]:
        """The API's field violations (agent, bundle, until) as messages at those fields."""
        errors: dict[str, str] = {}
        for violation in refused.violations:
            if violation.field == "agent":
                errors.setdefault("agent", t("delegation.error.agent_self" if "own" in violation.description
                                             else "delegation.error.agent"))
            elif violation.field == "until":
                errors.setdefault("until", t("delegation.error.until"))
            elif violation.field == "bundle":
                errors.setdefault("bundle", t("delegation.error.bundle"))
        return errors or {"agent": refused.message or t("page.failed.title")}

    async def revoke_delegation(self, request: Request) -> Response:
        user = self.site.user(request, Role.CITIZEN)
        posted = await self.site.posted(request)
        agent, bundle = str(posted.get("agent") or "")[:64], str(posted.get("bundle") or "")[:64]
        try:
            await self.site.applications.revoke_delegation(agent, bundle, user.token)
        except (NotFound, InvalidFields):
            sessions.notify(request.session, "delegation.not_found")
        else:
            sessions.notify(request.session, "delegation.revoked")
        return RedirectResponse("/delegations", status_code=303)
