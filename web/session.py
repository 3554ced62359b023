"""The browser's session: who signed in (their bearer token) and the CSRF token of its forms. Kept in a signed, HTTP-only, SameSite=Lax cookie (Starlette's
SessionMiddleware; Secure over https). A session lasts as long as its token: one hour."""
from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import asdict, dataclass
from typing import Callable, MutableMapping

from lifeevents.identity import DevIdentityProvider, Role, TokenVerifier
from web.people import mask_name, mask_resident_id

Session = MutableMapping[str, object]


class SignInRequired(Exception):
    def __init__(self, notice: str = "sign_in.needed"):
        super().__init__(notice)
        self.notice = notice


class CsrfFailed(Exception):
    pass


@dataclass(frozen=True)
class SignedIn:
    token: str
    subject: str
    role: str
    department: str
    name: str
    expires_at: float  # seconds since the epoch, the token's `exp`

    @property
    def is_citizen(self) -> bool:
        return self.role in (Role.CITIZEN.value, Role.AGENT.value)

    @property
    def shown_as(self) -> str:
        """How the header names them: masked, as other people may see the screen."""
        if self.is_citizen:
            return mask_name(self.name) if self.name else mask_resident_id(self.subject)
        return self.name or self.subject


class DevSignIn:
    """Tokens from the development identity provider (`<data dir>/identity/`), checked with the
    same verifier the services use, so the web never keeps a token it could not present."""

    def __init__(self, provider: DevIdentityProvider):
        self.provider = provider
        self.verifier = TokenVerifier(provider.ensure_keys(), clock=provider.clock)

    def sign_in(self, subject: str, role: Role, department: str = "", name: str = "") -> SignedIn:
        """BadSubject (from lifeevents.identity) when the subject does not fit the role."""
        token = self.provider.issue(subject, role, department=department, name=name)
        principal = self.verifier.verify(token)
        return SignedIn(token, principal.subject, principal.role.value, principal.department, principal.name,
                        principal.expires_at.timestamp())


def start(session: Session, signed_in: SignedIn) -> None:
    """A new session for whoever signed in: nothing of the previous one is kept, the CSRF token is new."""
    session.clear()
    session["user"] = asdict(signed_in)
    session["csrf"] = secrets.token_urlsafe(32)


def end(session: Session, notice: str = "") -> None:
    session.clear()
    if notice:
        notify(session, notice)


def current(session: Session, now: Callable[[], dt.datetime]) -> SignedIn | None:
    """Who is signed in, or None. A session whose token has expired ends here: SignInRequired
    with the notice that says so."""
    user = session.get("user")
    if not isinstance(user, dict):
        return None
    signed_in = SignedIn(**user)
    if signed_in.expires_at <= now().timestamp():
        end(session)
        raise SignInRequired("sign_in.expired")
    return signed_in


def require(session: Session, now: Callable[[], dt.datetime]) -> SignedIn:
    signed_in = current(session, now)
    if signed_in is None:
        raise SignInRequired()
    return signed_in


def notify(session: Session, notice: str) -> None:
    """A notice (a catalogue key) for the next page shown, after a redirect."""
    session["notice"] = notice


def pop_notice(session: Session) -> str:
    return str(session.pop("notice", "") or "")


def csrf_token(session: Session) -> str:
    if not session.get("csrf"):
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf(session: Session, submitted: object) -> None:
    expected = session.get("csrf")
    if not expected or not isinstance(submitted, str) or not hmac.compare_digest(str(expected), submitted):
        raise CsrfFailed()
