"""The operators' dashboard (roles operator and admin; anyone else gets the 403 page): applications by
status and bundle, overdue steps, dead letters with retry, skip and requeue, an application's
history read with a stated reason, the statistics as charts, and, for admins only, replay, rebuild
and the data-access log's verification. Every page is a client of Operations with the signed-in
person's token; the API checks the role again and records who did what."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lifeevents.endpoints import DEPARTMENTS
from lifeevents.identity import Role
from lifeevents.v1 import applications_pb2 as pb
from web import session as sessions
from web.applicant import application_id_of, page_token_of
from web.api import Conflict, InvalidFields
from web.forms import ErrorLink
from web.pages import OPERATOR_ROLES, Site, translator
from web.progress import BEIJING, application_view, shown_time
from web.statistics import (durations_chart, ratings_chart, reductions_chart, status_chart, status_totals,
                            step_durations_chart)

PAGE_SIZE = 20
MAX_REASON = 500
STEP_ACTIONS = ("retry", "skip")
STATUSES = tuple(s for s in pb.Application.Status.keys() if s != "STATUS_UNSPECIFIED")
# Events after which an operator may want to act on the step.
ACTIONABLE_EVENTS = ("StepFailed", "StepDeadLettered", "StepOverdue")


def _time(message, name: str) -> str:
    return shown_time(getattr(message, name).ToDatetime(dt.timezone.utc)) if message.HasField(name) else ""


def shown_iso(text: str) -> str:
    """A moment the API gives as ISO text, in Beijing time; as given if it is not one."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return shown_time(moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc))


def reason_of(posted) -> str:
    return " ".join(str(posted.get("reason") or "").split())[:MAX_REASON]


@dataclass
class OperationsPages:
    site: Site

    def _operator(self, request: Request):
        return self.site.user(request, *OPERATOR_ROLES)

    def _admin(self, request: Request):
        return self.site.user(request, Role.ADMIN)

    # -- overview ----------------------------------------------------------------------------
    async def dashboard(self, request: Request) -> Response:
        user = self._operator(request)
        t = translator(request)
        ops = self.site.operations
        statistics = await ops.get_statistics(user.token)
        overdue = await ops.list_pending_steps(user.token, overdue_only=True)
        dead_letters = await ops.list_dead_letters(user.token)
        names = await self.site.bundle_names(user.token, t)
        bundles = list(statistics.bundles)
        return self.site.page(request, "ops_dashboard.html", totals=status_totals(bundles), statuses=STATUSES,
                              rows=[(b.bundle, names.get(b.bundle, b.bundle), dict(b.by_status)) for b in bundles],
                              overdue=len(overdue.steps), dead_letters=len(dead_letters),
                              pending=sorted(overdue.per_department.items()), is_admin=user.role == Role.ADMIN.value)

    async def applications(self, request: Request) -> Response:
        user = self._operator(request)
        t = translator(request)
        names = await self.site.bundle_names(user.token, t)
        query = request.query_params
        chosen = {"bundle": query.get("bundle", "") if query.get("bundle", "") in names else "",
                  "status": query.get("status", "") if query.get("status", "") in STATUSES else "",
                  "department": query.get("department", "") if query.get("department", "") in DEPARTMENTS else "",
                  "overdue": query.get("overdue") == "1"}
        listed = await self.site.operations.list_applications(
            user.token, chosen["bundle"], chosen["status"], chosen["department"], chosen["overdue"], PAGE_SIZE,
            page_token_of(request))
        rows = [{"id": r.application_id, "bundle": names.get(r.bundle, r.bundle),
                 "status": t.maybe(f"status.application.{r.status}", r.status), "overdue": r.overdue,
                 "submitted_at": _time(r, "submitted_at"), "settled_at": _time(r, "settled_at"),
                 "pending": ", ".join(r.pending_steps)} for r in listed.applications]
        filters = "&".join(f"{k}={v}" for k, v in (("bundle", chosen["bundle"]), ("status", chosen["status"]),
                                                    ("department", chosen["department"]),
                                                    ("overdue", "1" if chosen["overdue"] else "")) if v)
        return self.site.page(request, "ops_applications.html", rows=rows, total=listed.total, chosen=chosen,
                              bundles=sorted(names.items()), statuses=[(s, t(f"status.application.{s}")) for s in STATUSES],
                              departments=[(d, t.department(d)) for d in DEPARTMENTS], next_page=listed.next_page_token,
                              first_page=not page_token_of(request), filters=filters)

    async def steps(self, request: Request) -> Response:
        """Pending steps, the overdue ones by default (?all=1: every pending step)."""
        user = self._operator(request)
        t = translator(request)
        overdue_only = request.query_params.get("all") != "1"
        pending = await self.site.operations.list_pending_steps(user.token, overdue_only=overdue_only)
        rows = [{"application_id": s.application_id, "step": s.step, "department": t.department(s.department),
                 "since": _time(s, "since"), "overdue_since": _time(s, "overdue_since")} for s in pending.steps]
        return self.site.page(request, "ops_steps.html", rows=rows, overdue_only=overdue_only,
                              per_department=[(t.department(d), n) for d, n in sorted(pending.per_department.items())])

    # -- dead letters and step actions ------------------------------------------------------
    async def dead_letters(self, request: Request) -> Response:
        user = self._operator(request)
        t = translator(request)
        letters = await self.site.operations.list_dead_letters(user.token)
        rows = [{"message_id": d.message_id, "type": d.type, "application_id": d.application_id, "step": d.step,
                 "department": t.department(d.department) if d.department else "", "error": d.error,
                 "deliveries": d.deliveries, "at": shown_iso(d.dead_lettered_at), "consumer": d.consumer} for d in letters]
        return self.site.page(request, "ops_dead_letters.html", rows=rows)

    async def requeue(self, request: Request) -> Response:
        user = self._operator(request)
        posted = await self.site.posted(request)
        requeued = await self.site.operations.requeue_dead_letter(str(posted.get("message_id") or "")[:128],
                                                                  user.token)
        sessions.notify(request.session, "ops.dead_letters.requeued" if requeued else "ops.dead_letters.gone")
        return RedirectResponse("/operations/dead-letters", status_code=303)

    async def step_page(self, request: Request) -> Response:
        self._operator(request)
        return self._step_form(request, application_id_of(request), request.path_params["step"][:64], {}, {})

    def _step_form(self, request: Request, application_id: str, step: str, errors: dict[str, str],
                   entered: dict[str, str], refusal: str = "") -> Response:
        summary = [ErrorLink(f"#field-{name}", message) for name, message in errors.items()]
        if refusal:
            summary.append(ErrorLink("", refusal))
        return self.site.page(request, "ops_step.html", status_code=400 if summary else 200,
                              application_id=application_id, step=step, errors=errors, entered=entered,
                              error_summary=summary)

    async def step_action(self, request: Request) -> Response:
        user = self._operator(request)
        application_id, step = application_id_of(request), request.path_params["step"][:64]
        posted = await self.site.posted(request)
        t = translator(request)
        entered = {"reason": reason_of(posted), "action": str(posted.get("action") or "")}
        errors = {}
        if entered["action"] not in STEP_ACTIONS:
            errors["action"] = t("ops.step.error.action")
        if not entered["reason"]:
            errors["reason"] = t("ops.error.reason")
        if errors:
            return self._step_form(request, application_id, step, errors, entered)
        act = self.site.operations.retry_step if entered["action"] == "retry" else self.site.operations.skip_step
        try:
            application = await act(application_id, step, entered["reason"], user.token)
        except (Conflict, InvalidFields) as refused:
            return self._step_form(request, application_id, step, {}, entered,
                                   t("ops.step.refused", detail=refused.message))
        view = application_view(application, t)
        return self.site.page(request, "ops_step_done.html", app=view, step=step, action=entered["action"])

    # -- one application: history (with a reason), replay (admins) --------------------------
    def _application_page(self, request: Request, application_id: str, user, errors: dict[str, str] | None = None,
                          entered: dict[str, str] | None = None, **shown) -> Response:
        errors = errors or {}
        values = {"history": None, "bundle_name": "", "events": [], "actionable": [], **shown}
        return self.site.page(request, "ops_application.html", status_code=400 if errors else 200,
                              application_id=application_id, errors=errors, entered=entered or {},
                              error_summary=[ErrorLink(f"#field-{name}", message) for name, message in errors.items()],
                              is_admin=user.role == Role.ADMIN.value, **values)

    async def application(self, request: Request) -> Response:
        return self._application_page(request, application_id_of(request), self._operator(request))

    async def history(self, request: Request) -> Response:
        user = self._operator(request)
        application_id = application_id_of(request)
        posted = await self.site.posted(request)
        t = translator(request)
        reason = reason_of(posted)
        if not reason:
            return self._application_page(request, application_id, user, {"reason": t("ops.error.reason")})
        history = await self.site.operations.get_history(application_id, reason, user.token)
        names = await self.site.bundle_names(user.token, t)
        events = [{"version": e.version, "at": _time(e, "occurred_at"), "type": e.type, "step": e.step,
                   "department": t.department(e.department) if e.department else "", "operator": e.operator,
                   "payload": e.payload_json} for e in history.events]
        actionable = list(dict.fromkeys(e.step for e in history.events if e.type in ACTIONABLE_EVENTS and e.step))
        return self._application_page(request, application_id, user, entered={"reason": reason}, history=history,
                                      bundle_name=names.get(history.bundle, history.bundle), events=events,
                                      actionable=actionable)

    async def replay(self, request: Request) -> Response:
        user = self._admin(request)
        application_id = application_id_of(request)
        posted = await self.site.posted(request)
        t = translator(request)
        entered = {"replay_reason": reason_of({"reason": posted.get("replay_reason")}),
                   "version": str(posted.get("version") or "").strip()[:12], "at": str(posted.get("at") or "").strip()[:32]}
        errors, moment, version = {}, None, 0
        if not entered["replay_reason"]:
            errors["replay_reason"] = t("ops.error.reason")
        if entered["at"]:
            try:
                moment = dt.datetime.fromisoformat(entered["at"]).replace(tzinfo=BEIJING)
            except ValueError:
                errors["at"] = t("ops.replay.error.at")
        elif entered["version"].isascii() and entered["version"].isdigit() and int(entered["version"]) > 0:
            version = int(entered["version"])
        else:
            errors["version"] = t("ops.replay.error.version")
        if errors:
            return self._application_page(request, application_id, user, errors, entered)
        try:
            application = await self.site.operations.replay(application_id, entered["replay_reason"], user.token,
                                                            version, moment)
        except InvalidFields as refused:
            return self._application_page(request, application_id, user,
                                          {"version": t("ops.replay.refused", detail=refused.message)}, entered)
        return self.site.page(request, "ops_replay.html", app=application_view(application, t),
                              version=application.version, at=entered["at"], now=shown_time(self.site.clock()))

    # -- statistics --------------------------------------------------------------------------
    async def statistics(self, request: Request) -> Response:
        user = self._operator(request)
        t = translator(request)
        statistics = await self.site.operations.get_statistics(user.token)
        names = await self.site.bundle_names(user.token, t)
        bundles = list(statistics.bundles)
        step_names = {s.step: s.step.replace("_", " ") for b in bundles for s in b.steps}
        charts = [status_chart(bundles, names, t), durations_chart(bundles, names, t), ratings_chart(bundles, names, t)]
        charts += [reductions_chart(b, names.get(b.bundle, b.bundle), t) for b in bundles if b.reductions]
        charts += [step_durations_chart(b, names.get(b.bundle, b.bundle), step_names, t) for b in bundles]
        return self.site.page(request, "ops_statistics.html", charts=[c for c in charts if not c.empty])

    # -- admins ------------------------------------------------------------------------------
    async def admin(self, request: Request) -> Response:
        self._admin(request)
        return self.site.page(request, "ops_admin.html", rebuilt=None, verification=None)

    async def rebuild(self, request: Request) -> Response:
        user = self._admin(request)
        await self.site.posted(request)
        progress = await self.site.operations.rebuild_projections(user.token)
        return self.site.page(request, "ops_admin.html", rebuilt=progress, verification=None)

    async def verify(self, request: Request) -> Response:
        user = self._admin(request)
        await self.site.posted(request)
        verification = await self.site.operations.verify_access_log(user.token)
        return self.site.page(request, "ops_admin.html", rebuilt=None, verification=verification)
