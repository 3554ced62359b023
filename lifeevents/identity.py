"""Who is calling: signed bearer tokens (JWT, ES256) and the people and services they name.

Every process that answers calls verifies tokens against the issuer's public keys (a JWKS file
named by configuration); none of them needs the private key. For a local suite (`make run`, the
tests) a development identity provider creates a key pair in the data directory on first start,
publishes its JWKS beside it and issues tokens (`lifeevents token --as ...`). Production refuses
tokens of that development issuer.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

# The callers themselves are plain values (lifeevents/callers.py); they are re-exported here.
from lifeevents.callers import FRONT_DESK, BadSubject, Principal, Role, check_subject

__all__ = ["FRONT_DESK", "BadSubject", "Principal", "Role", "check_subject", "Unauthenticated",
           "DevIdentityProvider", "TokenVerifier", "IdentitySettings", "ServiceCredential"]

AUDIENCE = "lifeevents"
DEV_ISSUER = "lifeevents-dev"
ALGORITHM = "ES256"
DEFAULT_LIFETIME = dt.timedelta(hours=1)
# Clocks of different machines disagree a little.
LEEWAY = dt.timedelta(seconds=30)


class Unauthenticated(Exception):
    """No credential, or one that cannot be trusted; the message says which, without the token."""


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
                self._create_key()
            if self._key is None:
                self._key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
            if not self.jwks_path.exists():
                temporary = self.jwks_path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                temporary.write_text(json.dumps({"keys": [self._jwk()]}, indent=2))
                os.chmod(temporary, 0o644)  # public keys: anyone may read them
                os.replace(temporary, self.jwks_path)
            return self.jwks_path

    def _create_key(self) -> None:
        """Write the key to a private temporary file, then link it into place: the link is atomic and
        fails if another process linked theirs first, so nobody ever reads a half-written key."""
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        temporary = self.key_path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        try:
            os.link(temporary, self.key_path)
        except FileExistsError:
            pass  # another process made it first; use theirs
        finally:
            os.unlink(temporary)

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


class ServiceCredential:
    """The bearer token one of the suite's processes presents to another (the coordinator to the
    departments' query ports): a configured token, or in development one it mints for itself from the
    development key and renews a few minutes before it expires."""

    RENEW_BEFORE = dt.timedelta(minutes=5)

    def __init__(self, token: str = "", provider: DevIdentityProvider | None = None, subject: str = "coordinator",
                 lifetime: dt.timedelta = DEFAULT_LIFETIME):
        if not token and provider is None:
            raise ValueError("a service credential needs a token or a development provider to mint one")
        self.token, self.provider, self.subject, self.lifetime = token, provider, subject, lifetime
        self._minted: tuple[str, dt.datetime] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        if self.token:
            return self.token
        now = dt.datetime.now(dt.timezone.utc)  # real time: tokens expire by the clock on the wall
        with self._lock:
            if self._minted is None or self._minted[1] - self.RENEW_BEFORE <= now:
                self._minted = (self.provider.issue(self.subject, Role.SERVICE, lifetime=self.lifetime),
                                now + self.lifetime)
            return self._minted[0]


@dataclass(frozen=True)
class IdentitySettings:
    """How a process of the suite knows who is calling and proves who it is, from the environment.

    LIFEEVENTS_ENV=production refuses tokens of the development issuer; LIFEEVENTS_JWKS_FILE names
    the issuer's public keys (default: the development provider's `<data dir>/identity/jwks.json`);
    LIFEEVENTS_TOKEN_ISSUERS the accepted issuers, comma-separated (default: the development
    issuer); LIFEEVENTS_SERVICE_TOKEN the process's own credential towards the departments (in
    development, minted from the development key when unset)."""

    data_dir: Path
    production: bool
    jwks_file: Path
    issuers: tuple[str, ...]
    service_token: str = ""

    @classmethod
    def from_environment(cls, data_dir: Path, environ: Mapping[str, str] = os.environ) -> "IdentitySettings":
        data_dir = Path(data_dir)
        issuers = tuple(i.strip() for i in (environ.get("LIFEEVENTS_TOKEN_ISSUERS") or DEV_ISSUER).split(",")
                        if i.strip())
        return cls(data_dir, (environ.get("LIFEEVENTS_ENV") or "").strip().lower() == "production",
                   Path(environ.get("LIFEEVENTS_JWKS_FILE") or data_dir / "identity" / "jwks.json"), issuers,
                   environ.get("LIFEEVENTS_SERVICE_TOKEN") or "")

    @property
    def accepted_issuers(self) -> tuple[str, ...]:
        return tuple(i for i in self.issuers if not (self.production and i == DEV_ISSUER))

    def development_provider(self) -> DevIdentityProvider | None:
        """The local suite's identity provider; None in production, which must not mint tokens."""
        return None if self.production else DevIdentityProvider(self.data_dir / "identity")

    def check(self, needs_service_token: bool = False) -> None:
        """Refuse to start with settings that would leave nobody, or everybody, able to call."""
        if self.production and not self.accepted_issuers:
            raise ValueError("LIFEEVENTS_ENV=production refuses development tokens: set LIFEEVENTS_TOKEN_ISSUERS "
                             "and LIFEEVENTS_JWKS_FILE to your identity provider's")
        if self.production and needs_service_token and not self.service_token:
            raise ValueError("LIFEEVENTS_ENV=production: set LIFEEVENTS_SERVICE_TOKEN, the coordinator's credential "
                             "towards the departments (a token of role 'service' from your identity provider)")

    def verifier(self) -> TokenVerifier:
        """Verifies callers' tokens by the wall clock (never a test's offset clock). In development the
        development provider's keys are made first, so there is a JWKS to verify against."""
        provider = self.development_provider()
        if provider is not None and self.jwks_file == provider.jwks_path:
            provider.ensure_keys()
        return TokenVerifier(self.jwks_file, self.issuers, refuse_development=self.production)

    def service_credential(self, subject: str) -> ServiceCredential:
        return ServiceCredential(self.service_token, None if self.service_token else self.development_provider(),
                                 subject)

    def warning(self) -> str:
        """What a process says loudly at start when it accepts development tokens; empty in production."""
        if self.production or DEV_ISSUER not in self.issuers:
            return ""
        return (f"DEVELOPMENT IDENTITY: tokens signed by the development key in {self.data_dir / 'identity'} are "
                f"accepted (`lifeevents token --as <subject>` makes one); LIFEEVENTS_ENV=production refuses them")
