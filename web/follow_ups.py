"""The operators' follow-ups of bad ratings (好差评: DISSATISFIED or below), Operations/ListFollowUps
(oldest first, filtered by state: open, overdue, closed, all) and CloseFollowUp with the
rectification made (required, at most 1000 characters), a CSRF form per open follow-up."""
from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import session as sessions
from web.api import InvalidFields, NotFound
from web.forms import ErrorLink
from web.pages import OPERATOR_ROLES, Site, translator
from web.progress import field_time

STATES = ("open", "overdue", "closed", "")
MAX_RECTIFICATION = 1000
PAGE_SIZE = 20
MAX_TOKEN = 9


@dataclass
class FollowUpPages:
    site: Site

    async def follow_ups(self, request: Request) -> Response:
        return await self._page(request, self.site.user(request, *OPERATOR_ROLES))

    async def _page(self, request: Request, user, errors: dict[str, str] | None = None,
                    entered: dict[str, str] | None = None) -> Response:
        t = translator(request)
        state = request.query_params.get("state", "open")
        state = state if state in STATES else "open"
        token = request.query_params.get("page", "")
        token = token if token.isascii() and token.isdigit() and len(token) <= MAX_TOKEN else ""
        found = await self.site.operations.list_follow_ups(user.token, state, PAGE_SIZE, token)
        names = await self.site.bundle_names(user.token, t)
        rows = [{"id": f.follow_up_id, "application_id": f.application_id, "bundle": names.get(f.bundle, f.bundle),
                 "level": t.maybe(f"rating.{f.level}", f.level), "comment": f.comment, "overdue": f.overdue,
                 "steps": t.join(f"{step}: {t.maybe(f'rating.{level}', level)}"
                                 for step, level in sorted(f.step_levels.items())),
                 "opened_at": field_time(f, "opened_at"), "due_at": field_time(f, "due_at"),
                 "closed_at": field_time(f, "closed_at"), "closed_by": f.closed_by, "rectification": f.rectification}
                for f in found.follow_ups]
        errors = errors or {}
        summary = [ErrorLink(f"#field-rectification-{key}", message) for key, message in errors.items()]
        return self.site.page(request, "ops_follow_ups.html", status_code=400 if errors else 200, rows=rows,
                              total=found.total, state=state, states=STATES, next_page=found.next_page_token,
                              first_page=not token, errors=errors, entered=entered or {}, error_summary=summary,
                              query=f"state={state}")

    async def close(self, request: Request) -> Response:
        user = self.site.user(request, *OPERATOR_ROLES)
        posted = await self.site.posted(request)
        t = translator(request)
        follow_up_id = str(posted.get("follow_up_id") or "")[:64]
        rectification = str(posted.get("rectification") or "").strip()[:2000]
        error = (t("follow_up.error.rectification") if not rectification else
                 t("worklist.error.too_long", maximum=MAX_RECTIFICATION) if len(rectification) > MAX_RECTIFICATION
                 else "")
        if not error:
            try:
                await self.site.operations.close_follow_up(follow_up_id, rectification, user.token)
            except (InvalidFields, NotFound) as refused:
                error = "; ".join(v.description for v in refused.violations) or refused.message
        if error:
            return await self._page(request, user, {follow_up_id: error}, {follow_up_id: rectification})
        sessions.notify(request.session, "follow_up.closed_notice")
        return RedirectResponse("/operations/follow-ups", status_code=303)
