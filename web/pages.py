"""The applicant's pages: each handler parses the request, makes one or two API calls with the
caller's token, and renders a template. Errors of the API are mapped to pages in app.py.

Later parts add, on the application page: supplement a missing material and answer a correction
(Applications/Supplement), withdraw (Applications/Withdraw), rate (Applications/Rate) from the
practices issue; offers to confirm (Applications/Confirm, Decline) from the proactive issue; the
data-access log (Applications/ListDataAccess) from the identity issue; and officers' worklists and
the operators' dashboard as pages of their own.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Callable
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from lifeevents.endpoints import DEPARTMENTS
from lifeevents.identity import FRONT_DESK, BadSubject, Role
from web import session as sessions
from web.api import ApiError, ApplicationsPort, InvalidFields, NotFound
from web.forms import ErrorLink, field_errors, field_views, submitted_values
from web.i18n import DEFAULT_LANGUAGE, HTML_LANG, LANGUAGE_NAMES, LANGUAGES, Translator
from web.people import DemoPerson
from web.progress import application_view, shown_time

TEMPLATES = Path(__file__).with_name("templates")
LANGUAGE_COOKIE = "lang"
STAFF_ROLES = (Role.OFFICER, Role.OPERATOR, Role.ADMIN)


def language_of(request: Request) -> str:
    language = request.cookies.get(LANGUAGE_COOKIE, DEFAULT_LANGUAGE)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def safe_next(value: object) -> str:
    """Where to go after signing in or switching language: a path of this site only."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def sse(event: str, data: str) -> str:
    """One Server-Sent Event; each line of `data` on a `data:` line of its own."""
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in (data.splitlines() or [""])) + "\n"


class Renderer:
    def __init__(self, production: bool, clock: Callable[[], dt.datetime]):
        self.production = production
        self.clock = clock
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

    def context(self, request: Request, **values: Any) -> dict[str, Any]:
        language = language_of(request)
        other = "en" if language == "zh" else "zh"
        t = Translator(language)
        try:
            user = sessions.current(request.session, self.clock)
        except sessions.SignInRequired:
            user = None
        return {"t": t, "lang": language, "html_lang": HTML_LANG[language], "other_lang": other,
                "other_html_lang": HTML_LANG[other], "other_lang_name": LANGUAGE_NAMES[other],
                "here": request.url.path, "production": self.production, "user": user,
                "user_label": self.user_label(user, t) if user else "",
                "csrf": sessions.csrf_token(request.session), "notice": sessions.pop_notice(request.session),
                "error_summary": [], **values}

    @staticmethod
    def user_label(user: sessions.SignedIn, t: Translator) -> str:
        role = t(f"role.{user.role}", department=t.department(user.department) if user.department != FRONT_DESK
                 else t("department.front_desk"))
        return f"{user.shown_as}（{role}）" if t.language == "zh" else f"{user.shown_as} ({role})"

    def page(self, request: Request, template: str, status_code: int = 200,
             headers: dict[str, str] | None = None, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(self.context(request, **values))
        return HTMLResponse(html, status_code=status_code, headers=headers)

    def fragment(self, template: str, **values: Any) -> str:
        return self.env.get_template(template).render(values)


@dataclass
class Pages:
    renderer: Renderer
    dev_sign_in: sessions.DevSignIn | None  # None in production: the development sign-in is off
    people: tuple[DemoPerson, ...]
    clock: Callable[[], dt.datetime]
    api: ApplicationsPort | None = None     # set when the app starts (it needs the event loop)

    # -- helpers ---------------------------------------------------------------------------
    def _user(self, request: Request) -> sessions.SignedIn:
        return sessions.require(request.session, self.clock)

    def _token(self, request: Request) -> str:
        user = sessions.current(request.session, self.clock)
        return user.token if user else ""

    async def _posted(self, request: Request) -> Any:
        posted = await request.form()
        sessions.check_csrf(request.session, posted.get("csrf_token"))
        return posted

    @staticmethod
    def _visible_id(request: Request) -> str:
        """The application id of the URL, if this session may see it; NotFound otherwise (whether
        it does not exist or is someone else's is not revealed)."""
        raw = request.path_params["application_id"]
        try:
            application_id = str(uuid.UUID(raw))
        except ValueError:
            raise NotFound() from None
        # TODO(Applications/ListMine): until the API answers NOT_FOUND for other people's
        # applications (the identity issue), only those this session submitted are shown.
        if application_id not in sessions.submitted_applications(request.session):
            raise NotFound()
        return application_id

    async def _bundle_names(self, token: str, t: Translator) -> dict[str, str]:
        return {b.id: t.text(b.name) for b in await self.api.list_bundles(token)}

    # -- pages -----------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        t = Translator(language_of(request))
        bundles = [{"id": b.id, "name": t.text(b.name), "description": t.text(b.description),
                    "step_count": b.step_count, "limit": t.duration(b.time_limit_hours),
                    "departments": t.join(t.department(d) for d in b.departments)}
                   for b in await self.api.list_bundles(self._token(request))]
        return self.renderer.page(request, "home.html", bundles=bundles)

    def _sign_in_page(self, request: Request, next_path: str, errors: dict[str, str] | None = None,
                      entered: dict[str, str] | None = None) -> Response:
        if self.dev_sign_in is None:
            return self.renderer.page(request, "production.html", status_code=503)
        t = Translator(language_of(request))
        errors = errors or {}
        summary = [ErrorLink(f"#field-{name}", message) for name, message in errors.items()]
        departments = [(d, t.department(d)) for d in DEPARTMENTS] + [(FRONT_DESK, t("department.front_desk"))]
        roles = [(r.value, t(f"sign_in.staff.{r.value}")) for r in STAFF_ROLES]
        return self.renderer.page(request, "sign_in.html", status_code=400 if errors else 200,
                                  people=self.people, departments=departments, roles=roles,
                                  next_path=next_path, errors=errors, error_summary=summary,
                                  entered=entered or {})

    async def sign_in_page(self, request: Request) -> Response:
        return self._sign_in_page(request, safe_next(request.query_params.get("next")))

    async def sign_in(self, request: Request) -> Response:
        if self.dev_sign_in is None:
            return self.renderer.page(request, "production.html", status_code=503)
        posted = await self._posted(request)
        t = Translator(language_of(request))
        next_path = safe_next(posted.get("next"))
        kind = posted.get("kind")
        entered = {k: str(posted.get(k) or "").strip() for k in ("resident_id", "role", "department")}
        try:
            if kind == "person":
                index = str(posted.get("person") or "")
                if not index.isdigit() or int(index) >= len(self.people):
                    return self._sign_in_page(request, next_path, {"person": t("sign_in.error.person")})
                person = self.people[int(index)]
                user = self.dev_sign_in.sign_in(person.resident_id, Role.CITIZEN, name=person.name)
            elif kind == "resident_id":
                user = self.dev_sign_in.sign_in(entered["resident_id"].upper(), Role.CITIZEN)
            else:
                role = next((r for r in STAFF_ROLES if r.value == entered["role"]), None)
                if role is None:
                    return self._sign_in_page(request, next_path, {"role": t("sign_in.error.role")}, entered)
                department = entered["department"] if role is Role.OFFICER else ""
                if role is Role.OFFICER and department not in (*DEPARTMENTS, FRONT_DESK):
                    return self._sign_in_page(request, next_path, {"department": t("sign_in.error.department")},
                                              entered)
                subject = f"dev-{role.value}" + (f"-{department}" if department else "")
                user = self.dev_sign_in.sign_in(subject, role, department=department, name=subject)
        except BadSubject:
            return self._sign_in_page(request, next_path, {"resident_id": t("sign_in.error.resident_id")}, entered)
        sessions.start(request.session, user)
        return RedirectResponse(next_path, status_code=303)

    async def sign_out(self, request: Request) -> Response:
        await self._posted(request)
        sessions.end(request.session, "sign_in.signed_out")
        return RedirectResponse("/", status_code=303)

    async def language(self, request: Request) -> Response:
        language = request.path_params["language"]
        response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        if language in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True,
                                samesite="lax", secure=request.url.scheme == "https")
        return response

    async def apply_page(self, request: Request) -> Response:
        user = self._user(request)
        form = await self.api.get_form(request.path_params["bundle"], user.token)
        return self._form_page(request, form, {}, {}, [], str(uuid.uuid4()))

    def _form_page(self, request: Request, form, values, errors, summary, idempotency_key: str) -> Response:
        t = Translator(language_of(request))
        return self.renderer.page(request, "form.html", status_code=400 if summary else 200,
                                  bundle=form.bundle, bundle_name=t.text(form.name),
                                  fields=field_views(form, values, errors, t), error_summary=summary,
                                  asked=form.asked_count, looked_up=form.looked_up_count,
                                  idempotency_key=idempotency_key)

    async def apply(self, request: Request) -> Response:
        user = self._user(request)
        posted = await self._posted(request)
        form = await self.api.get_form(request.path_params["bundle"], user.token)
        values = submitted_values(form, posted)
        key = str(posted.get("idempotency_key") or "")[:64] or str(uuid.uuid4())
        try:
            application_id = await self.api.submit(form.bundle, values, key, user.token)
        except InvalidFields as invalid:
            t = Translator(language_of(request))
            at_field, summary = field_errors(form, invalid.violations, t)
            return self._form_page(request, form, values, at_field,
                                   summary or [ErrorLink("", invalid.message)], key)
        sessions.remember_application(request.session, application_id)
        return RedirectResponse(f"/applications/{application_id}", status_code=303)

    async def application_page(self, request: Request) -> Response:
        user = self._user(request)
        application_id = self._visible_id(request)
        t = Translator(language_of(request))
        application = await self.api.get(application_id, user.token)
        view = application_view(application, t)
        form = await self.api.get_form(application.bundle, user.token)
        labels = {f.name: t.text(f.label) for f in form.fields}
        return self.renderer.page(request, "application.html", app=view, bundle_name=t.text(form.name),
                                  looked_up=t.join(labels.get(n, n) for n in view.looked_up),
                                  now=shown_time(self.clock()))

    async def application_events(self, request: Request) -> Response:
        """The Applications/Watch stream relayed as Server-Sent Events: after each event of the
        application, its progress section rendered anew (`progress`) and a line for screen readers
        (`status`); `end` once it can change no more."""
        user = self._user(request)
        application_id = self._visible_id(request)
        t = Translator(language_of(request))
        first = await self.api.get(application_id, user.token)  # NotFound etc. become pages here

        def render(application) -> list[str]:
            view = application_view(application, t)
            html = self.renderer.fragment("_progress.html", t=t, app=view, now=shown_time(self.clock()))
            return [sse("progress", html), sse("status", f"{t('application.status')}: {view.status_label}")]

        async def stream() -> AsyncIterator[str]:
            yield "retry: 5000\n\n"
            for message in render(first):
                yield message
            if application_view(first, t).terminal:
                yield sse("end", "")
                return
            seen = first.version
            try:
                async for event in self.api.watch(application_id, user.token):
                    if event.version <= seen:
                        continue
                    application = await self.api.get(application_id, user.token)
                    seen = application.version
                    for message in render(application):
                        yield message
                    if application_view(application, t).terminal:
                        break
            except ApiError:
                pass  # the page keeps its refresh link; the browser reconnects after `retry`
            else:
                yield sse("end", "")

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def my_applications(self, request: Request) -> Response:
        user = self._user(request)
        t = Translator(language_of(request))
        ids = sessions.submitted_applications(request.session)
        found = await asyncio.gather(*(self.api.get(i, user.token) for i in ids), return_exceptions=True)
        names = await self._bundle_names(user.token, t)
        rows = []
        for application in found:
            if isinstance(application, NotFound):
                continue
            if isinstance(application, BaseException):
                raise application
            view = application_view(application, t)
            rows.append({"id": view.id, "bundle": names.get(view.bundle, view.bundle),
                         "status": view.status_label, "submitted_at": view.submitted_at})
        return self.renderer.page(request, "mine.html", rows=rows)


def sign_in_redirect(request: Request, notice: str) -> Response:
    sessions.end(request.session, notice)
    return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)
