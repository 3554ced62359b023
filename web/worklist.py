"""A department's officers' worklist in the web (后台审批), a client of the department's
lifeevents.departments.v1.Cases with the officer's own token: the open cases, overdue first (on the
officers' start page, /cases), a case's page (its step, why an officer decides, since when, who holds
it; the inputs once the officer claims it), and its actions as forms (claim, approve, reject with a
reason, return for correction with a reason per input), the decision shown once made.

Only the department's officers: anyone else is refused by site.user (403) or finds no such case in
their own department's worklist (404); the department refuses them too. A case another officer
claimed or decided meanwhile is the API's FAILED_PRECONDITION, said so plainly (409).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lifeevents.departments.v1 import cases_pb2 as cpb
from lifeevents.identity import FRONT_DESK, Role
from web import session as sessions
from web.api import Conflict, InvalidFields, NotFound
from web.forms import ErrorLink
from web.i18n import Translator
from web.pages import Site, translator
from web.progress import shown_time

LIST_PAGE = 50
FIND_PAGE, FIND_PAGES = 100, 20   # looking a case up in the open cases: at most 2,000 of them
MAX_REASON = 500                  # as the department allows (cases.proto)
MAX_TOKEN = 9
RETURN_PREFIX = "return."


def case_id_of(request: Request) -> str:
    """The case id of the URL (a step command's id); NotFound for anything else."""
    try:
        return str(uuid.UUID(request.path_params["case_id"]))
    except ValueError:
        raise NotFound() from None


def _time(message, name: str) -> str:
    return shown_time(getattr(message, name).ToDatetime(dt.timezone.utc)) if message.HasField(name) else ""


@dataclass
class CaseView:
    id: str
    application_id: str
    bundle_name: str
    step_name: str
    state: str
    state_label: str
    reasons: list[str]
    opened_at: str
    due_at: str
    overdue: bool
    claimed_by: str
    mine: bool
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # (name, label, value)
    outcome: str = ""
    decided_by: str = ""
    decided_at: str = ""
    outputs: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""
    returned: list[tuple[str, str]] = field(default_factory=list)  # (label, what to correct)


def case_view(case: cpb.Case, department: str, me: str, t: Translator, labels: dict[str, str],
              names: dict[str, str]) -> CaseView:
    state = cpb.Case.State.Name(case.state)
    label = lambda name: labels.get(name) or t.item(name)  # noqa: E731
    return CaseView(
        id=case.case_id, application_id=case.application_id, bundle_name=names.get(case.bundle, case.bundle),
        step_name=t.action(department, case.action, case.step), state=state,
        state_label=t.maybe(f"worklist.state.{state}", state), reasons=list(case.reasons),
        opened_at=_time(case, "opened_at"), due_at=_time(case, "due_at"), overdue=case.overdue,
        claimed_by=case.claimed_by, mine=case.claimed_by == me,
        inputs=[(name, label(name), t.option(value)) for name, value in sorted(case.inputs.items())],
        outcome=case.outcome, decided_by=case.decided_by, decided_at=_time(case, "decided_at"),
        outputs=[(t.result(name), value) for name, value in sorted(case.outputs.items())], reason=case.reason,
        returned=[(label(name), why) for name, why in sorted(case.returned_inputs.items())])


@dataclass
class WorklistPages:
    site: Site

    def _officer(self, request: Request) -> sessions.SignedIn:
        """A department's officer (the front desk has no department worklist: its queue comes with
        lifeevents.v1.FrontDesk); anyone else is refused."""
        user = self.site.user(request, Role.OFFICER)
        if user.department == FRONT_DESK:
            raise NotFound()
        return user

    async def _labels(self, user: sessions.SignedIn, t: Translator) -> tuple[dict[str, str], dict[str, str]]:
        return await self.site.field_labels(t), await self.site.bundle_names(user.token, t)

    async def listing(self, request: Request, user: sessions.SignedIn) -> dict:
        """The open cases of the officer's department, a page of them: for the officers' start page."""
        t = translator(request)
        token = request.query_params.get("page", "")
        token = token if token.isascii() and token.isdigit() and len(token) <= MAX_TOKEN else ""
        found = await self.site.cases.list(user.department, user.token, LIST_PAGE, token)
        labels, names = await self._labels(user, t)
        return {"worklist": [case_view(c, user.department, user.subject, t, labels, names) for c in found.cases],
                "worklist_total": found.total, "next_page": found.next_page_token, "first_page": not token}

    async def _find(self, user: sessions.SignedIn, case_id: str) -> cpb.Case:
        """The open case with this id in the officer's department's worklist (with its inputs when it
        is the officer's own: claiming one's own case again answers it again); NotFound otherwise."""
        token = ""
        for _ in range(FIND_PAGES):
            page = await self.site.cases.list(user.department, user.token, FIND_PAGE, token)
            for case in page.cases:
                if case.case_id == case_id:
                    if case.state == cpb.Case.CLAIMED and case.claimed_by == user.subject:
                        return await self.site.cases.claim(user.department, case_id, user.token)
                    return case
            token = page.next_page_token
            if not token:
                break
        raise NotFound()

    async def case_page(self, request: Request) -> Response:
        user = self._officer(request)
        return await self._case_page(request, user, case_id_of(request))

    async def _case_page(self, request: Request, user: sessions.SignedIn, case_id: str, status_code: int = 200,
                         errors: dict[str, str] | None = None, entered: dict[str, str] | None = None) -> Response:
        t = translator(request)
        labels, names = await self._labels(user, t)
        view = case_view(await self._find(user, case_id), user.department, user.subject, t, labels, names)
        errors = errors or {}
        summary = [ErrorLink(f"#field-{key}", message) for key, message in errors.items()]
        return self.site.page(request, "worklist_case.html", status_code=status_code, case=view,
                              department=t.department(user.department), errors=errors, error_summary=summary,
                              entered=entered or {})

    def _conflict(self, request: Request, refused: Conflict) -> Response:
        """Another officer claimed or decided the case meanwhile: said plainly, with the way back."""
        kind = "case_claimed" if "claimed by another" in refused.message else "case_decided"
        return self.site.page(request, "error.html", status_code=409, kind=kind, back="/cases")

    async def claim(self, request: Request) -> Response:
        user = self._officer(request)
        await self.site.posted(request)
        case_id = case_id_of(request)
        try:
            await self.site.cases.claim(user.department, case_id, user.token)
        except Conflict as refused:
            return self._conflict(request, refused)
        sessions.notify(request.session, "worklist.claimed")
        return RedirectResponse(f"/worklist/{case_id}", status_code=303)

    async def approve(self, request: Request) -> Response:
        user = self._officer(request)
        await self.site.posted(request)
        return await self._decide(request, user, case_id_of(request), "approve")

    async def reject(self, request: Request) -> Response:
        user = self._officer(request)
        posted = await self.site.posted(request)
        case_id = case_id_of(request)
        reason = str(posted.get("reason") or "").strip()
        t = translator(request)
        error = (t("worklist.error.reason") if not reason else
                 t("worklist.error.too_long", maximum=MAX_REASON) if len(reason) > MAX_REASON else "")
        if error:
            return await self._case_page(request, user, case_id, 400, {"reason": error}, {"reason": reason[:2000]})
        return await self._decide(request, user, case_id, "reject", reason=reason)

    async def return_for_correction(self, request: Request) -> Response:
        user = self._officer(request)
        posted = await self.site.posted(request)
        case_id = case_id_of(request)
        t = translator(request)
        entered = {key.removeprefix(RETURN_PREFIX): str(value).strip()[:2000] for key, value in posted.items()
                   if key.startswith(RETURN_PREFIX) and len(key) <= 64 + len(RETURN_PREFIX)}
        reasons = {name: why for name, why in entered.items() if why}
        errors = {f"return-{name}": t("worklist.error.too_long", maximum=MAX_REASON)
                  for name, why in reasons.items() if len(why) > MAX_REASON}
        if not reasons:
            first = next(iter(entered), "")
            errors = {f"return-{first}": t("worklist.error.return_none")}
        if errors:
            return await self._case_page(request, user, case_id, 400, errors, entered)
        return await self._decide(request, user, case_id, "return", reasons=reasons, entered=entered)

    async def _decide(self, request: Request, user: sessions.SignedIn, case_id: str, action: str,
                      reason: str = "", reasons: dict[str, str] | None = None,
                      entered: dict[str, str] | None = None) -> Response:
        cases = self.site.cases
        t = translator(request)
        try:
            if action == "approve":
                decided = await cases.approve(user.department, case_id, user.token)
            elif action == "reject":
                decided = await cases.reject(user.department, case_id, reason, user.token)
            else:
                decided = await cases.return_for_correction(user.department, case_id, reasons or {}, user.token)
        except Conflict as refused:
            return self._conflict(request, refused)
        except InvalidFields as invalid:
            errors = {}
            for violation in invalid.violations:
                name = violation.field.removeprefix("reasons.")
                key = "reason" if violation.field == "reason" else f"return-{name}"
                errors.setdefault(key, violation.description)
            return await self._case_page(request, user, case_id, 400, errors or {"reason": invalid.message},
                                         entered or {"reason": reason})
        labels, names = await self._labels(user, t)
        return self.site.page(request, "worklist_decided.html",
                              case=case_view(decided, user.department, user.subject, t, labels, names))
