"""Officers, a first view: an officer opens an application by its number and sees what the API
shows them (Applications/Get with their token): a department's officer the steps of their
department, each with only the inputs it uses; the front desk the whole application. An
application with no step of their department is the API's NOT_FOUND, the "not found" page. Each
opening is recorded in the applicant's data-access log by the coordinator.

A department's officer starts at their department's worklist (web/worklist.py: the open cases,
claim, approve, reject, return), above the same box for an application number. The front desk's
queue is web/front_desk.py.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lifeevents.identity import FRONT_DESK, Role
from web import session as sessions
from web.api import InvalidFields
from web.findings import check_finding, finding_views
from web.pages import application_id_of
from web.forms import ErrorLink
from web.i18n import Translator
from web.pages import Site, translator
from web.progress import application_view
from web.worklist import WorklistPages


@dataclass
class CasesPages:
    site: Site
    worklist: WorklistPages

    def _department_name(self, department: str, t: Translator) -> str:
        return t("department.front_desk") if department == FRONT_DESK else t.department(department)

    async def cases(self, request: Request) -> Response:
        """Open a case by its application number (GET ?application=...: an id, no personal data)."""
        user = self.site.user(request, Role.OFFICER)
        t = translator(request)
        entered = (request.query_params.get("application") or "").strip()[:64]
        error = ""
        if entered:
            try:
                return RedirectResponse(f"/cases/{uuid.UUID(entered)}", status_code=303)
            except ValueError:
                error = t("cases.error.number")
        front_desk = user.department == FRONT_DESK
        listing = {} if front_desk else await self.worklist.listing(request, user)
        return self.site.page(request, "cases.html", status_code=400 if error else 200, **listing,
                              department=self._department_name(user.department, t),
                              front_desk=front_desk, entered=entered, error=error,
                              error_summary=[ErrorLink("#field-application", error)] if error else [])

    async def case(self, request: Request) -> Response:
        user = self.site.user(request, Role.OFFICER)
        return await self._case(request, user, application_id_of(request))

    async def _case(self, request: Request, user, application_id: str, errors=None, entered=None) -> Response:
        t = translator(request)
        application = await self.site.applications.get(application_id, user.token)
        view = application_view(application, t)
        labels = await self.site.field_labels(t)
        names = await self.site.bundle_names(user.token, t)
        inputs = {step.id: [(labels.get(name) or t.item(name), t.option(value))
                            for name, value in sorted(step.inputs.items())] for step in application.steps}
        summary = [ErrorLink(f"#field-finding-{name}-{key}", message)
                   for name, fields in (errors or {}).items() for key, message in fields.items()]
        return self.site.page(request, "case.html", status_code=400 if summary else 200, app=view, inputs=inputs,
                              bundle_name=names.get(view.bundle, view.bundle),
                              department=self._department_name(user.department, t),
                              front_desk=user.department == FRONT_DESK, error_summary=summary,
                              commitments=finding_views(application, user.department, t, errors, entered))

    async def record_finding(self, request: Request) -> Response:
        """告知承诺: the verifying department's officer records whether a commitment holds."""
        user = self.site.user(request, Role.OFFICER)
        application_id = application_id_of(request)
        posted = await self.site.posted(request)
        name = request.path_params["commitment"][:64]
        t = translator(request)
        entered = {"holds": str(posted.get("holds") or ""), "finding": str(posted.get("finding") or "").strip()[:2000]}
        errors = check_finding(entered["holds"], entered["finding"], t)
        if not errors:
            try:
                await self.site.commitments.record_finding(application_id, name, entered["holds"] == "yes",
                                                           entered["finding"], user.token)
            except InvalidFields as invalid:
                errors = {"finding": "; ".join(v.description for v in invalid.violations) or invalid.message}
        if errors:
            return await self._case(request, user, application_id, {name: errors}, {name: entered})
        sessions.notify(request.session, "finding.recorded")
        return RedirectResponse(f"/cases/{application_id}", status_code=303)
