"""The applicant's application page with the practices (web/practices.py: what is awaited, the paused
time limit, the commitments) and its Supplement form (Applications/Supplement: a promised material,
a correction after the front desk or an officer returned the case)."""
from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lifeevents.v1 import applications_pb2 as pb
from web import session as sessions
from web.api import FieldViolation, InvalidFields
from web.forms import FIELD_PREFIX, ErrorLink, field_errors, field_views, submitted_values
from web.pages import PERSON_ROLES, Site, application_id_of, translator
from web.practices import practice_view, supplement_form

LEVELS = ("VERY_SATISFIED", "SATISFIED", "BASICALLY_SATISFIED", "DISSATISFIED", "VERY_DISSATISFIED")
# Withdrawal is refused after the end, while it is already ending, and for an offer (Decline it).
NOT_WITHDRAWABLE = frozenset({"COMPENSATING", "OFFERED", "DECLINED", "EXPIRED"})
from web.progress import application_view, shown_time


def application_page(site: Site, request: Request, application, form, values=None, errors=None,
                     summary=None, ending_errors=None, ending_entered=None) -> Response:
    """`errors` of the Supplement form (with their `summary`); `ending_errors` of the withdrawal's or
    the rating's form (web/endings.py), by field."""
    t = translator(request)
    labels = {f.name: t.text(f.label) for f in form.fields}
    view = application_view(application, t, labels)
    summary = (summary or []) + [ErrorLink(f"#field-{name}", message) for name, message in (ending_errors or {}).items()]
    status = pb.Application.Status.Name(application.status)
    return site.page(request, "application.html", status_code=400 if summary else 200, app=view,
                     withdrawable=status not in NOT_WITHDRAWABLE and not view.terminal,
                     levels=[(level, t(f"rating.{level}")) for level in LEVELS],
                     ending_errors=ending_errors or {}, ending_entered=ending_entered or {},
                     bundle_name=t.text(form.name), practice=practice_view(application, t, labels),
                     supplement=field_views(supplement_form(form, application.awaited), values or {}, errors or {}, t),
                     error_summary=summary, looked_up=t.join(labels.get(n, n) for n in view.looked_up),
                     now=shown_time(site.clock()))


@dataclass
class SupplementPages:
    site: Site

    async def supplement(self, request: Request) -> Response:
        """Applications/Supplement with the awaited fields; field errors at the fields as at /apply,
        and nothing changed."""
        application_id = application_id_of(request)
        user = self.site.user(request, *PERSON_ROLES)
        posted = await self.site.posted(request)
        application = await self.site.applications.get(application_id, user.token)
        form = await self.site.applications.get_form(application.bundle, user.token)
        asked = supplement_form(form, application.awaited)
        values = submitted_values(asked, posted)
        if not values:  # nothing entered: each awaited field is asked for at the field, nothing sent
            nothing = tuple(FieldViolation(f"{FIELD_PREFIX}{spec.name}", "required") for spec in asked.fields)
            at_field, summary = field_errors(asked, nothing, translator(request))
            return application_page(self.site, request, application, form, values, at_field, summary)
        try:
            await self.site.applications.supplement(application_id, values, user.token)
        except InvalidFields as invalid:
            at_field, summary = field_errors(asked, invalid.violations, translator(request))
            return application_page(self.site, request, application, form, values, at_field,
                                    summary or [ErrorLink("", invalid.message)])
        sessions.notify(request.session, "practice.supplemented")
        return RedirectResponse(f"/applications/{application_id}", status_code=303)
