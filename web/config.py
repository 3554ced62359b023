"""Settings of the web front door, from the environment."""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from lifeevents.endpoints import DEPARTMENTS, grpc_address

DEFAULT_ADDRESS = "127.0.0.1:8080"


@dataclass(frozen=True)
class WebSettings:
    host: str
    port: int
    grpc_address: str
    data_dir: Path
    session_secret: str
    production: bool
    # TLS served by the web itself, or a TLS-terminating proxy in front (LIFEEVENTS_WEB_HTTPS=1):
    # either way the session cookie is marked Secure.
    tls_cert: str = ""
    tls_key: str = ""
    behind_https: bool = False
    # The coordinator's TLS: the certificate(s) to trust (LIFEEVENTS_TLS_CA, or the coordinator's own
    # certificate LIFEEVENTS_TLS_CERT, as the rest of the suite does); unset, plain gRPC on loopback.
    coordinator_ca: str = ""
    # Each department's gRPC address, for its officers' worklist (lifeevents.departments.v1.Cases): as
    # every client of the suite finds it (LIFEEVENTS_<DEPARTMENT>_GRPC_ADDRESS or _GRPC_PORT, else the
    # catalogue's port on 127.0.0.1; lifeevents/endpoints.py).
    department_addresses: Mapping[str, str] = field(default_factory=dict)

    @property
    def https(self) -> bool:
        return bool(self.tls_cert) or self.behind_https

    def coordinator_root_certificates(self) -> bytes | None:
        return Path(self.coordinator_ca).read_bytes() if self.coordinator_ca else None

    @property
    def identity_dir(self) -> Path:
        return self.data_dir / "identity"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls_cert else 'http'}://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "WebSettings":
        env = os.environ if env is None else env
        host, _, port = (env.get("LIFEEVENTS_WEB_ADDRESS") or DEFAULT_ADDRESS).rpartition(":")
        data_dir = Path(env.get("LIFEEVENTS_DATA_DIR") or "var")
        return cls(host=host or "127.0.0.1", port=int(port),
                   grpc_address=env.get("LIFEEVENTS_GRPC_ADDRESS") or "127.0.0.1:50051",
                   data_dir=data_dir,
                   session_secret=env.get("LIFEEVENTS_WEB_SESSION_SECRET") or session_secret(data_dir),
                   production=(env.get("LIFEEVENTS_ENV") or "").lower() == "production",
                   tls_cert=env.get("LIFEEVENTS_WEB_TLS_CERT", ""), tls_key=env.get("LIFEEVENTS_WEB_TLS_KEY", ""),
                   behind_https=env.get("LIFEEVENTS_WEB_HTTPS", "") in ("1", "true", "yes"),
                   coordinator_ca=env.get("LIFEEVENTS_TLS_CA") or env.get("LIFEEVENTS_TLS_CERT") or "",
                   department_addresses={d: grpc_address(d, env) for d in DEPARTMENTS})


def session_secret(data_dir: Path) -> str:
    """The key that signs session cookies: `<data dir>/web/session-secret`, created 0600 on first
    start. Several processes starting at once agree: the file is created exclusively."""
    directory = data_dir / "web"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / "session-secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process made it first and may still be writing it
            if secret := path.read_text().strip():
                return secret
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty; delete it to have a new one made")
    with os.fdopen(fd, "w") as out:
        secret = secrets.token_urlsafe(48)
        out.write(secret)
    return secret
