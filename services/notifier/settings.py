"""The notifier's settings, from the environment (the same names as the other processes'): the data
directory (its delivered-ids register and, in development, the notifications' files), the broker,
the prefix, and where its register lives (a SQLite file, or its schema in PostgreSQL)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from lifeevents.messaging import Topology
from services.common.settings import DEFAULT_AMQP_URI, DEFAULT_DATA_DIR, register_url

NAME = "notifier"  # its register's schema, its process name


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    amqp_uris: tuple[str, ...]
    topology: Topology
    register_url: str

    @property
    def notifications_dir(self) -> Path:
        return self.data_dir / "notifications"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        uris = tuple(u.strip() for u in (environ.get("LIFEEVENTS_AMQP_URI") or DEFAULT_AMQP_URI).split(",") if u.strip())
        return cls(Path(environ.get("LIFEEVENTS_DATA_DIR") or DEFAULT_DATA_DIR), uris,
                   Topology(environ.get("LIFEEVENTS_AMQP_PREFIX") or "lifeevents"), register_url(NAME, environ))
