"""What every page shares (the renderer, the signed-in person, the posted form, the API ports) and
the pages everyone sees: home, the development sign-in, signing out and the language switch. Each
kind of person has a module of pages of their own: applicants (web/applicant.py), officers
(web/cases.py), operators and admins (web/operations.py). A handler parses the request, makes one
or two API calls with the caller's token and renders a template; errors of the API are mapped to
pages in app.py.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from lifeevents.endpoints import DEPARTMENTS
from lifeevents.identity import FRONT_DESK, BadSubject, Role
from lifeevents.v1 import applications_pb2 as pb
from web import session as sessions
from web.api import ApplicationsPort, Forbidden, NotFound
from web.cases_api import CasesPort
from web.forms import ErrorLink
from web.i18n import DEFAULT_LANGUAGE, HTML_LANG, LANGUAGE_NAMES, LANGUAGES, Translator
from web.operations_api import OperationsPort
from web.people import DemoPerson

TEMPLATES = Path(__file__).with_name("templates")
LANGUAGE_COOKIE = "lang"
STAFF_ROLES = (Role.OFFICER, Role.OPERATOR, Role.ADMIN)
PERSON_ROLES = (Role.CITIZEN, Role.AGENT)  # signed in with a resident ID
OPERATOR_ROLES = (Role.OPERATOR, Role.ADMIN)
FORMS_KEPT_S = 300


def language_of(request: Request) -> str:
    language = request.cookies.get(LANGUAGE_COOKIE, DEFAULT_LANGUAGE)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def translator(request: Request) -> Translator:
    return Translator(language_of(request))


def safe_next(value: object) -> str:
    """Where to go after signing in or switching language: a path of this site only."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def start_page(user: sessions.SignedIn | None) -> str:
    """Where each kind of person starts: applicants at the life events, officers at their cases,
    operators at the dashboard."""
    if user is None or user.role in (r.value for r in PERSON_ROLES):
        return "/"
    if user.role == Role.OFFICER.value:
        return "/front-desk" if user.department == FRONT_DESK else "/cases"
    return "/operations"


def application_id_of(request: Request) -> str:
    """The application id of the URL; NotFound for anything that is not one (whether an id exists
    and is someone else's is the API's to answer, and it answers NOT_FOUND)."""
    try:
        return str(uuid.UUID(request.path_params["application_id"]))
    except ValueError:
        raise NotFound() from None


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
class Site:
    """What the pages share. The API ports are set when the app starts (they need the event loop)."""

    renderer: Renderer
    clock: Callable[[], dt.datetime]
    applications: ApplicationsPort | None = None
    operations: OperationsPort | None = None
    cases: CasesPort | None = None  # the departments' officers' worklists
    front_desk: Any = None  # web.front_desk.FrontDeskPort: the front desk's queue (lifeevents.v1.FrontDesk)
    commitments: Any = None  # web.findings.CommitmentsPort: officers' findings (lifeevents.v1.Commitments)
    _forms: tuple[float, list[pb.Form]] | None = field(default=None, repr=False)

    def user(self, request: Request, *roles: Role) -> sessions.SignedIn:
        """Who is signed in (else SignInRequired); with `roles`, one of them (else Forbidden: a 403
        page saying this is not for them)."""
        user = sessions.require(request.session, self.clock)
        if roles and user.role not in {r.value for r in roles}:
            raise Forbidden()
        return user

    def token(self, request: Request) -> str:
        user = sessions.current(request.session, self.clock)
        return user.token if user else ""

    @staticmethod
    async def posted(request: Request) -> Any:
        posted = await request.form()
        sessions.check_csrf(request.session, posted.get("csrf_token"))
        return posted

    def page(self, request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        return self.renderer.page(request, template, status_code=status_code, **values)

    async def bundle_names(self, token: str, t: Translator) -> dict[str, str]:
        return {b.id: t.text(b.name) for b in await self.applications.list_bundles(token)}

    async def forms(self) -> list[pb.Form]:
        """Every bundle's form (anonymous calls), kept a few minutes: bundles change only when the
        coordinators restart with other bundle files."""
        now = time.monotonic()
        if self._forms is None or now - self._forms[0] > FORMS_KEPT_S:
            bundles = await self.applications.list_bundles("")
            self._forms = (now, [await self.applications.get_form(b.id, "") for b in bundles])
        return self._forms[1]

    async def field_labels(self, t: Translator) -> dict[str, str]:
        """Form fields' labels by name, over every bundle (a name means the same in every bundle)."""
        return {f.name: t.text(f.label) for form in await self.forms() for f in form.fields}


@dataclass
class CommonPages:
    site: Site
    dev_sign_in: sessions.DevSignIn | None  # None in production: the development sign-in is off
    people: tuple[DemoPerson, ...]

    async def home(self, request: Request) -> Response:
        t = translator(request)
        bundles = [{"id": b.id, "name": t.text(b.name), "description": t.text(b.description),
                    "step_count": b.step_count, "limit": t.duration(b.time_limit_hours),
                    "departments": t.join(t.department(d) for d in b.departments)}
                   for b in await self.site.applications.list_bundles(self.site.token(request))]
        return self.site.page(request, "home.html", bundles=bundles)

    def _sign_in_page(self, request: Request, next_path: str, errors: dict[str, str] | None = None,
                      entered: dict[str, str] | None = None) -> Response:
        if self.dev_sign_in is None:
            return self.site.page(request, "production.html", status_code=503)
        t = translator(request)
        errors = errors or {}
        summary = [ErrorLink(f"#field-{name}", message) for name, message in errors.items()]
        departments = [(d, t.department(d)) for d in DEPARTMENTS] + [(FRONT_DESK, t("department.front_desk"))]
        roles = [(r.value, t(f"sign_in.staff.{r.value}")) for r in STAFF_ROLES]
        person_roles = [(r.value, t(f"sign_in.person_role.{r.value}")) for r in PERSON_ROLES]
        return self.site.page(request, "sign_in.html", status_code=400 if errors else 200,
                              people=self.people, departments=departments, roles=roles, person_roles=person_roles,
                              next_path=next_path, errors=errors, error_summary=summary, entered=entered or {})

    async def sign_in_page(self, request: Request) -> Response:
        return self._sign_in_page(request, safe_next(request.query_params.get("next")))

    async def sign_in(self, request: Request) -> Response:
        if self.dev_sign_in is None:
            return self.site.page(request, "production.html", status_code=503)
        posted = await self.site.posted(request)
        t = translator(request)
        next_path = safe_next(posted.get("next"))
        kind = posted.get("kind")
        entered = {k: str(posted.get(k) or "").strip() for k in ("resident_id", "person_role", "role", "department")}
        try:
            if kind == "person":
                index = str(posted.get("person") or "")
                if not index.isdigit() or int(index) >= len(self.people):
                    return self._sign_in_page(request, next_path, {"person": t("sign_in.error.person")})
                person = self.people[int(index)]
                user = self.dev_sign_in.sign_in(person.resident_id, person.role, name=person.name)
            elif kind == "resident_id":
                role = Role.AGENT if entered["person_role"] == Role.AGENT.value else Role.CITIZEN
                user = self.dev_sign_in.sign_in(entered["resident_id"].upper(), role)
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
        return RedirectResponse(next_path if next_path != "/" else start_page(user), status_code=303)

    async def sign_out(self, request: Request) -> Response:
        await self.site.posted(request)
        sessions.end(request.session, "sign_in.signed_out")
        return RedirectResponse("/", status_code=303)

    @staticmethod
    async def language(request: Request) -> Response:
        language = request.path_params["language"]
        response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        if language in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True,
                                samesite="lax", secure=request.url.scheme == "https")
        return response


def sign_in_redirect(request: Request, notice: str) -> Response:
    sessions.end(request.session, notice)
    return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)
