"""Proactive offers (无感审批) in the web: an application a department's event started, OFFERED to
its principal. "My applications" lists the open offers first; the offer's page shows what is already
known (each item with where it came from; resident IDs, phone and account numbers masked as
everywhere a screen may be seen by others) and asks only the fields still to fill (Offer.asked), with
the same form rendering and field errors as /apply; Confirm (Applications/Confirm) starts the steps,
Decline ends it. Someone the offer was not made to gets the API's NOT_FOUND; an offer no longer open
(confirmed, declined, expired) is the API's FAILED_PRECONDITION, the "cannot be done now" page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lifeevents.privacy import mask_text
from lifeevents.v1 import applications_pb2 as pb
from web import session as sessions
from web.api import InvalidFields
from web.applicant import application_id_of
from web.forms import ErrorLink, field_errors, field_views, submitted_values
from web.pages import PERSON_ROLES, Site, translator
from web.progress import shown_time

MAX_DECLINE_REASON = 500  # as the API allows


def asked_form(form: pb.Form, asked) -> pb.Form:
    """The bundle's form with only the fields the offer still asks for."""
    return pb.Form(bundle=form.bundle, name=form.name, fields=[f for f in form.fields if f.name in set(asked)])


@dataclass
class OfferPages:
    site: Site

    async def offer_page(self, request: Request) -> Response:
        user = self.site.user(request, *PERSON_ROLES)
        application_id = application_id_of(request)
        application = await self.site.applications.get(application_id, user.token)
        if application.status != pb.Application.OFFERED:
            return RedirectResponse(f"/applications/{application_id}", status_code=303)
        return await self._page(request, user, application, {}, {}, [])

    async def _page(self, request: Request, user, application: pb.Application, values, errors, summary,
                    decline_error: str = "") -> Response:
        t = translator(request)
        form = await self.site.applications.get_form(application.bundle, user.token)
        labels = {f.name: t.text(f.label) for f in form.fields}
        offer = application.offer
        known = [{"field": item.field, "label": labels.get(item.field) or t.item(item.field),
                  "value": mask_text(t.option(item.value)),
                  "source": t.department(item.source.partition(".")[0]),
                  "from_event": item.kind == "event"} for item in offer.known]
        department, _, event = offer.trigger.partition(".")
        if decline_error:
            summary = [*summary, ErrorLink("#field-decline_reason", decline_error)]
        return self.site.page(request, "offer.html", status_code=400 if summary else 200,
                              app_id=application.application_id, bundle_name=t.text(form.name),
                              trigger=t.maybe(f"event.{offer.trigger}", offer.trigger),
                              trigger_department=t.department(department),
                              occurred_at=shown_time(offer.occurred_at.ToDatetime(dt.timezone.utc))
                              if offer.HasField("occurred_at") else "",
                              expires_at=shown_time(offer.expires_at.ToDatetime(dt.timezone.utc))
                              if offer.HasField("expires_at") else "",
                              known=known, fields=field_views(asked_form(form, offer.asked), values, errors, t),
                              error_summary=summary, decline_error=decline_error)

    async def confirm(self, request: Request) -> Response:
        user = self.site.user(request, *PERSON_ROLES)
        posted = await self.site.posted(request)
        application_id = application_id_of(request)
        application = await self.site.applications.get(application_id, user.token)
        form = await self.site.applications.get_form(application.bundle, user.token)
        asked = asked_form(form, application.offer.asked)
        values = submitted_values(asked, posted)
        try:
            await self.site.applications.confirm(application_id, values, user.token)
        except InvalidFields as invalid:
            at_field, summary = field_errors(asked, invalid.violations, translator(request))
            return await self._page(request, user, application, values, at_field,
                                    summary or [ErrorLink("", invalid.message)])
        sessions.notify(request.session, "offer.confirmed")
        return RedirectResponse(f"/applications/{application_id}", status_code=303)

    async def decline(self, request: Request) -> Response:
        user = self.site.user(request, *PERSON_ROLES)
        posted = await self.site.posted(request)
        application_id = application_id_of(request)
        reason = str(posted.get("decline_reason") or "").strip()
        if len(reason) > MAX_DECLINE_REASON:
            application = await self.site.applications.get(application_id, user.token)
            error = translator(request)("offer.error.reason_too_long", maximum=MAX_DECLINE_REASON)
            return await self._page(request, user, application, {}, {}, [], decline_error=error)
        await self.site.applications.decline(application_id, reason, user.token)
        sessions.notify(request.session, "offer.declined")
        return RedirectResponse(f"/applications/{application_id}", status_code=303)
