"""Who is calling: signed bearer tokens (JWT, ES256) and the people and services they name.

Every process that answers calls verifies tokens against the issuer's public keys (a JWKS file
named by configuration); none of them needs the private key. For a local suite (`make run`, the
tests) a development identity provider creates a key pair in the data directory on first start,
publishes its JWKS beside it and issues tokens (`lifeevents token --as ...`). Production refuses
tokens of that development issuer.
"""
from __future__ import annotations

import datetime as dt
import enum
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from lifeevents.identifiers import InvalidIdentifier, parse_resident_id

AUDIENCE = "lifeevents"
DEV_ISSUER = "lifeevents-dev"
ALGORITHM = "ES256"
DEFAULT_LIFETIME = dt.timedelta(hours=1)
FRONT_DESK = "front_desk"  # an officer's "department" at the one-window front desk (前台受理)
# Clocks of different machines disagree a little.
LEEWAY = dt.timedelta(seconds=30)


class Role(str, enum.Enum):
    CITIZEN = "citizen"      # acts for themselves; the subject is their resident ID
    AGENT = "agent"          # a service-centre helper (帮办代办员) acting under delegations
    OFFICER = "officer"      # a department's (or the front desk's) officer; has a department
    OPERATOR = "operator"    # keeps the suite running: lists, retries, skips, reads histories
    ADMIN = "admin"          # operator rights plus replay, rebuild and what-if
    HOSPITAL = "hospital"    # records births (proactive service); the subject is the hospital
    SERVICE = "service"      # one of the suite's own processes calling another


class Unauthenticated(Exception):
    """No credential, or one that cannot be trusted; the message says which, without the token."""


class BadSubject(ValueError):
    """A token asked for a subject or role that makes no sense (a citizen without a valid ID...)."""


@dataclass(frozen=True)
class Principal:
    """The verified caller."""

    subject: str
    role: Role
    department: str = ""
    name: str = ""
    issuer: str = ""
    expires_at: dt.datetime | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.OFFICER, Role.OPERATOR, Role.ADMIN)


def check_subject(subject: str, role: Role, department: str = "", today: dt.date | None = None) -> str:
    """The subject as tokens carry it; BadSubject when the role needs something else."""
    subject = (subject or "").strip()
    if not subject or len(subject) > 64 or not subject.isascii() or not subject.isprintable():
        raise BadSubject("a subject is 1 to 64 printable ASCII characters")
    if role in (Role.CITIZEN, Role.AGENT):
        try:
            subject = parse_resident_id(subject, today).number
        except InvalidIdentifier as err:
            raise BadSubject(f"a {role.value}'s subject is their resident ID (GB 11643): {err}") from None
    if role is Role.OFFICER and not department:
        raise BadSubject("an officer's token names a department (or front_desk)")
    return subject


class DevIdentityProvider:
    """The local suite's identity provider: one EC P-256 key in `<data dir>/identity/`, created on
    first use (0600), and its public half as a JWKS file that verifiers read."""

    def __init__(self, directory: Path, issuer: str = DEV_ISSUER, clock: Callable[[], dt.datetime] | None = None):
        self.directory = Path(directory)
        self.issuer = issuer
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._key: ec.EllipticCurvePrivateKey | None = None
        self._lock = threading.Lock()

    @property
    def key_path(self) -> Path:
        return self.directory / "signing-key.pem"

    @property
    def jwks_path(self) -> Path:
        return self.directory / "jwks.json"

    def ensure_keys(self) -> Path:
        """Create the key pair if there is none; return the JWKS path. Safe when several
        processes start at once: the key file is created exclusively, the JWKS replaced atomically."""
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.key_path.exists():
                pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
                try:
                    fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    pass  # another process made it first; use theirs
                else:
                    with os.fdopen(fd, "wb") as out:
                        out.write(pem)
            if self._key is None:
                self._key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
            if not self.jwks_path.exists():
                temporary = self.jwks_path.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(json.dumps({"keys": [self._jwk()]}, indent=2))
                os.chmod(temporary, 0o644)  # public keys: anyone may read them
                os.replace(temporary, self.jwks_path)
            return self.jwks_path

    def _private_key(self) -> ec.EllipticCurvePrivateKey:
        if self._key is None:
            self.ensure_keys()
        return self._key

    def _jwk(self) -> dict:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self._key.public_key()))
        return {**jwk, "kid": _thumbprint(jwk), "use": "sig", "alg": ALGORITHM}

    def issue(self, subject: str, role: Role | str = Role.CITIZEN, department: str = "", name: str = "",
              lifetime: dt.timedelta = DEFAULT_LIFETIME) -> str:
        """A signed token for `subject` in `role`; BadSubject if they do not go together."""
        role = Role(role)
        now = self.clock()
        subject = check_subject(subject, role, department, now.date())
        claims = {"iss": self.issuer, "aud": AUDIENCE, "sub": subject, "role": role.value,
                  "iat": int(now.timestamp()), "exp": int((now + lifetime).timestamp())}
        if department:
            claims["department"] = department
        if name:
            claims["name"] = name
        key = self._private_key()
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": self._jwk()["kid"]})


def _thumbprint(jwk: dict) -> str:
    """RFC 7638 thumbprint of an EC key: a stable key id."""
    import base64
    import hashlib

    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


class TokenVerifier:
    """Verifies bearer tokens against a JWKS file (re-read when it changes)."""

    def __init__(self, jwks_path: Path, issuers: tuple[str, ...] = (DEV_ISSUER,), audience: str = AUDIENCE,
                 refuse_development: bool = False, clock: Callable[[], dt.datetime] | None = None):
        self.jwks_path = Path(jwks_path)
        self.issuers = tuple(i for i in issuers if not (refuse_development and i == DEV_ISSUER))
        self.audience = audience
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._keys: dict[str, jwt.PyJWK] = {}
        self._stamp: float | None = None
        self._lock = threading.Lock()

    def _key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            try:
                stamp = self.jwks_path.stat().st_mtime
            except FileNotFoundError:
                raise Unauthenticated("no keys to verify tokens with") from None
            if stamp != self._stamp:
                keys = jwt.PyJWKSet.from_json(self.jwks_path.read_text()).keys
                self._keys, self._stamp = {k.key_id: k for k in keys}, stamp
            key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("the token was signed by an unknown key")
        return key

    def verify(self, token: str) -> Principal:
        if not token or len(token) > 8192:
            raise Unauthenticated("a bearer token is required")
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise Unauthenticated(f"tokens are signed with {ALGORITHM}")
            claims = jwt.decode(token, self._key(str(header.get("kid", ""))), algorithms=[ALGORITHM],
                                audience=self.audience, leeway=LEEWAY,
                                options={"require": ["exp", "iat", "iss", "sub", "aud"], "verify_iat": False})
            # exp is checked against our clock (it may be offset in tests of long waits)
            now = self.clock().timestamp()
            if claims["exp"] + LEEWAY.total_seconds() < now:
                raise Unauthenticated("the token has expired")
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.PyJWTError as err:
            raise Unauthenticated(f"the token cannot be trusted: {type(err).__name__}") from None
        if claims["iss"] not in self.issuers:
            raise Unauthenticated(f"tokens of issuer {claims['iss']!r} are not accepted here")
        try:
            role = Role(claims.get("role", ""))
            subject = check_subject(claims["sub"], role, claims.get("department", ""),
                                    dt.datetime.fromtimestamp(now, dt.timezone.utc).date())
        except (ValueError, BadSubject) as err:
            raise Unauthenticated(f"the token's role or subject is not valid: {err}") from None
        return Principal(subject, role, str(claims.get("department", "")), str(claims.get("name", ""))[:100],
                         claims["iss"], dt.datetime.fromtimestamp(claims["exp"], dt.timezone.utc))
