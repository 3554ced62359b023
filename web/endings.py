"""How an application ends by its applicant's hand, and what they say of it afterwards: withdraw
(撤回, Applications/Withdraw: a reason and a confirmation) while it has not ended, and rate it
(好差评, Applications/Rate: five levels and a comment) once it has. Both are forms on the application
page (web/supplement.py renders it); their errors are shown at the field, as /apply's."""
from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lifeevents.identity import Role
from lifeevents.v1 import applications_pb2 as pb
from web import session as sessions
from web.api import Conflict, InvalidFields
from web.pages import PERSON_ROLES, Site, application_id_of, translator
from web.supplement import LEVELS, application_page

MAX_REASON = 500
MAX_COMMENT = 500


@dataclass
class EndingPages:
    site: Site

    async def _again(self, request: Request, user, application_id: str, errors: dict[str, str],
                     entered: dict[str, str]) -> Response:
        application = await self.site.applications.get(application_id, user.token)
        form = await self.site.applications.get_form(application.bundle, user.token)
        return application_page(self.site, request, application, form, ending_errors=errors, ending_entered=entered)

    async def withdraw(self, request: Request) -> Response:
        user = self.site.user(request, *PERSON_ROLES)
        application_id = application_id_of(request)
        posted = await self.site.posted(request)
        t = translator(request)
        entered = {"withdraw_reason": str(posted.get("withdraw_reason") or "").strip()[:2000],
                   "withdraw_confirm": "yes" if posted.get("withdraw_confirm") == "yes" else ""}
        errors = {}
        if not entered["withdraw_reason"]:
            errors["withdraw_reason"] = t("ending.error.reason")
        elif len(entered["withdraw_reason"]) > MAX_REASON:
            errors["withdraw_reason"] = t("worklist.error.too_long", maximum=MAX_REASON)
        if not entered["withdraw_confirm"]:
            errors["withdraw_confirm"] = t("ending.error.confirm")
        if not errors:
            try:
                await self.site.applications.withdraw(application_id, entered["withdraw_reason"], user.token)
            except InvalidFields as invalid:
                errors = {"withdraw_reason": "; ".join(v.description for v in invalid.violations) or invalid.message}
        if errors:
            return await self._again(request, user, application_id, errors, entered)
        sessions.notify(request.session, "ending.withdrawn")
        return RedirectResponse(f"/applications/{application_id}", status_code=303)

    async def rate(self, request: Request) -> Response:
        user = self.site.user(request, Role.CITIZEN)  # a rating is the principal's own
        application_id = application_id_of(request)
        posted = await self.site.posted(request)
        t = translator(request)
        entered = {"rating_level": str(posted.get("rating_level") or ""),
                   "rating_comment": str(posted.get("rating_comment") or "").strip()[:2000]}
        errors = {}
        if entered["rating_level"] not in LEVELS:
            errors["rating_level"] = t("ending.error.level")
        if len(entered["rating_comment"]) > MAX_COMMENT:
            errors["rating_comment"] = t("worklist.error.too_long", maximum=MAX_COMMENT)
        if not errors:
            try:
                await self.site.applications.rate(application_id, pb.RatingLevel.Value(entered["rating_level"]),
                                                  entered["rating_comment"], user.token)
            except Conflict:
                errors = {"rating_level": t("ending.error.rated")}  # rated already, or not ended yet
            except InvalidFields as invalid:
                errors = {"rating_comment": "; ".join(v.description for v in invalid.violations) or invalid.message}
        if errors:
            return await self._again(request, user, application_id, errors, entered)
        sessions.notify(request.session, "ending.rated")
        return RedirectResponse(f"/applications/{application_id}", status_code=303)
