"""Settings of the coordinator, read from the environment with local defaults."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from lifeevents.identity import IdentitySettings
from lifeevents.messaging import DEFAULT_PARTITIONS

ROOT = Path(__file__).resolve().parent.parent
_YES, _NO = {"1", "true", "yes", "on", "y"}, {"", "0", "false", "no", "off", "n"}


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _flag(name: str) -> bool:
    value = (os.environ.get(name) or "").strip().lower()
    if value not in _YES | _NO:
        raise ValueError(f"{name}={value!r}: say 1 or 0")
    return value in _YES


@dataclass(frozen=True)
class Config:
    data_dir: Path = field(default_factory=lambda: Path(_env("LIFEEVENTS_DATA_DIR", str(ROOT / "var"))))
    # "sqlite" (a file under data_dir) or a PostgreSQL URL such as
    # postgresql://postgres@127.0.0.1:5432/lifeevents: the one setting that moves the event store;
    # "memory" keeps it in the process (unit tests).
    event_store: str = field(default_factory=lambda: _env("LIFEEVENTS_EVENT_STORE", "sqlite"))
    # One broker, or the nodes of a cluster separated by commas.
    amqp_uri: str = field(default_factory=lambda: _env("LIFEEVENTS_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    amqp_prefix: str = field(default_factory=lambda: _env("LIFEEVENTS_AMQP_PREFIX", "lifeevents"))
    grpc_address: str = field(default_factory=lambda: _env("LIFEEVENTS_GRPC_ADDRESS", "127.0.0.1:50051"))
    bundles_dir: Path = field(default_factory=lambda: Path(_env("LIFEEVENTS_BUNDLES_DIR", str(ROOT / "bundles"))))
    catalogue_file: Path = field(default_factory=lambda: Path(
        _env("LIFEEVENTS_CATALOGUE", str(ROOT / "bundles" / "departments.yaml"))))
    # Watch streams a caller, and the whole server, may hold open at once.
    watch_streams_per_caller: int = field(default_factory=lambda: int(_env("LIFEEVENTS_WATCH_STREAMS_PER_CALLER", "32")))
    watch_streams_total: int = field(default_factory=lambda: int(_env("LIFEEVENTS_WATCH_STREAMS_TOTAL", "5000")))
    # TLS for the gRPC port: a certificate (chain) and its key, PEM files; unset: plain gRPC (loopback only).
    tls_cert: str = field(default_factory=lambda: _env("LIFEEVENTS_TLS_CERT", ""))
    tls_key: str = field(default_factory=lambda: _env("LIFEEVENTS_TLS_KEY", ""))
    # The key of application ids derived from idempotency keys; unset: made in the data dir (0600).
    application_id_secret: str = field(default_factory=lambda: _env("LIFEEVENTS_APPLICATION_ID_SECRET", ""))
    # A file holding seconds to add to the coordinator's clock (tests of long waits); unset: real time.
    clock_offset_file: Path | None = field(default_factory=lambda: (
        Path(os.environ["LIFEEVENTS_CLOCK_OFFSET_FILE"]) if os.environ.get("LIFEEVENTS_CLOCK_OFFSET_FILE") else None))
    # Applications are spread over this many partitions; every coordinator of a suite says the same.
    partitions: int = field(default_factory=lambda: int(_env("LIFEEVENTS_PARTITIONS", str(DEFAULT_PARTITIONS))))
    # Tables are created by `lifeevents migrate`; a running instance creates none unless told to.
    create_schema: bool = field(default_factory=lambda: _flag("LIFEEVENTS_CREATE_SCHEMA"))
    # This instance's name in logs, leases and metrics.
    instance: str = field(default_factory=lambda: _env("LIFEEVENTS_INSTANCE", f"{socket.gethostname()}-{os.getpid()}"))

    @property
    def projections_file(self) -> Path:
        """The relay's position, the timer index and the read models on SQLite (saga/adapters/projection_store.py)."""
        return self.data_dir / "projections.sqlite"

    @property
    def on_postgres(self) -> bool:
        return self.event_store_env()["PERSISTENCE_MODULE"] == "eventsourcing.postgres"

    @property
    def application_id_secret_file(self) -> Path:
        return self.data_dir / "application-id-secret"

    @property
    def identity(self) -> IdentitySettings:
        """Who may call (tokens verified against LIFEEVENTS_JWKS_FILE), and the coordinator's own credential."""
        return IdentitySettings.from_environment(self.data_dir)

    @property
    def tls(self) -> tuple[bytes, bytes] | None:
        """The certificate chain and key to serve TLS with, or None; both or neither must be set."""
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("set both LIFEEVENTS_TLS_CERT and LIFEEVENTS_TLS_KEY, or neither")
        return (Path(self.tls_cert).read_bytes(), Path(self.tls_key).read_bytes()) if self.tls_cert else None

    def make_data_dir(self) -> Path:
        """The data directory, the coordinator's own: created 0700."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.data_dir

    def event_store_env(self, create_table: bool | None = None) -> dict[str, str]:
        """The eventsourcing library's settings for the configured event store; its tables are created
        only when asked (`lifeevents migrate`) or when this config creates its schema."""
        create = {"CREATE_TABLE": "y" if (self.create_schema if create_table is None else create_table) else "n"}
        if self.event_store == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.event_store == "sqlite":
            self.make_data_dir()
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(self.data_dir / "events.sqlite"), "SQLITE_LOCK_TIMEOUT": "10", **create}
        if self.event_store.startswith("sqlite:///"):
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": self.event_store[len("sqlite:///"):], "SQLITE_LOCK_TIMEOUT": "10", **create}
        url = urlparse(self.event_store)
        if url.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"LIFEEVENTS_EVENT_STORE={self.event_store!r}: use 'sqlite' or a postgresql:// URL")
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": url.path.lstrip("/") or "lifeevents",
                "POSTGRES_HOST": url.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(url.port or 5432),
                "POSTGRES_USER": unquote(url.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(url.password or ""),
                # Saves by several writers commit in parallel (no table lock); followers read the log
                # through saga/adapters/log.py, which copes with the gaps that leaves.
                "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
                "APPLICATION_RECORDER_TOPIC": "saga.adapters.event_store:OrderedIdsRecorder",
                **create}
