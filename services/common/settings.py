"""A department process's settings: one nameko config, built once from the environment.

The nameko layer reads `nameko.config` (set by services/common/runner.py from this); nothing else
under services/ reads the environment. Fault injection and the demo seed are off unless their key
is set, so a production configuration, which leaves both out, has neither. The identity settings
(who may call the query ports) are passed on as the environment names them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from lifeevents.endpoints import grpc_port

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "var"

# Our keys in the nameko config, named as the environment variables they come from.
AMQP_PREFIX = "LIFEEVENTS_AMQP_PREFIX"  # prefix of every exchange and queue
DATA_DIR = "LIFEEVENTS_DATA_DIR"  # where the department's register lives
FAULTS_FILE = "LIFEEVENTS_FAULTS_FILE"  # fault-injection rules: tests and rehearsals only
LOAD_SEED = "LIFEEVENTS_LOAD_SEED"  # load services/<department>/seed.yaml: `make run` and the tests only
# Where the register lives: unset, a SQLite file in the data dir; a postgresql:// URL, the department's
# own schema in that database (LIFEEVENTS_<DEPARTMENT>_REGISTER_URL for one department,
# LIFEEVENTS_REGISTER_URL for all of them), shared by every instance of the department.
REGISTER_URL = "LIFEEVENTS_REGISTER_URL"
GRPC_BIND_HOST = "LIFEEVENTS_GRPC_BIND_HOST"  # 0.0.0.0 in a container; 127.0.0.1 on a machine
# Who may call the query ports: the identity settings (lifeevents/identity.py IdentitySettings) by name.
IDENTITY = "LIFEEVENTS_IDENTITY"
IDENTITY_VARIABLES = ("LIFEEVENTS_ENV", "LIFEEVENTS_JWKS_FILE", "LIFEEVENTS_TOKEN_ISSUERS")

_YES, _NO = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


class SettingError(ValueError):
    """An environment variable holds a value the department cannot use."""


def kombu_uri(amqp_uri: str) -> str:
    # pika writes the default vhost as %2F; kombu wants an empty path segment after the slash.
    return amqp_uri.replace("/%2F", "//") if amqp_uri.endswith("/%2F") else amqp_uri


def flag(environ: Mapping[str, str], name: str) -> bool:
    value = (environ.get(name) or "").strip().lower()
    if value not in _YES | _NO:
        raise SettingError(f"{name}={environ[name]!r}: say 1 or 0")
    return value in _YES


def register_url_variable(department: str) -> str:
    return f"LIFEEVENTS_{department.upper()}_REGISTER_URL"


def register_url(department: str, environ: Mapping[str, str] = os.environ) -> str:
    """The department's register URL: its own setting, the shared one, or "" for SQLite."""
    url = environ.get(register_url_variable(department)) or environ.get(REGISTER_URL) or ""
    if url and not url.startswith(("postgresql://", "postgres://")):
        raise SettingError(f"the register URL of {department} must be a postgresql:// URL, not {url!r}")
    return url


def from_environment(department: str, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The nameko config of `department`'s process."""
    settings: dict[str, Any] = {
        # Several brokers (the nodes of a cluster) separated by commas: kombu fails over between them.
        "AMQP_URI": ";".join(kombu_uri(uri.strip()) for uri in
                             (environ.get("LIFEEVENTS_AMQP_URI") or DEFAULT_AMQP_URI).split(",") if uri.strip()),
        "SERIALIZER": "json",
        "ACCEPT": ["protobuf", "json"],
        "GRPC_BIND_HOST": environ.get(GRPC_BIND_HOST) or "127.0.0.1",
        "GRPC_BIND_PORT": grpc_port(department, environ),
        AMQP_PREFIX: environ.get(AMQP_PREFIX) or "lifeevents",
        DATA_DIR: environ.get(DATA_DIR) or str(DEFAULT_DATA_DIR),
        REGISTER_URL: register_url(department, environ),
        IDENTITY: {name: environ[name] for name in IDENTITY_VARIABLES if environ.get(name)},
    }
    if environ.get(FAULTS_FILE):
        settings[FAULTS_FILE] = environ[FAULTS_FILE]
    if flag(environ, LOAD_SEED):
        settings[LOAD_SEED] = True
    return settings
