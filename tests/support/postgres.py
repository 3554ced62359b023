"""A PostgreSQL database of a test's own on the machine's server (trust auth on 127.0.0.1), dropped
afterwards."""
from __future__ import annotations

import contextlib
import uuid
from typing import Iterator

import psycopg

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def fresh_database(prefix: str = "lifeevents_test") -> Iterator[str]:
    """The URL of a new, empty database."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
