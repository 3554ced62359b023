"""The dependency providers a department service declares: its domain over its register, and fault
injection. Both take their settings from the nameko config (services/common/settings.py)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from nameko import config
from nameko.extensions import DependencyProvider

from services.common import settings
from services.common.domain import Department, Register
from services.common.faults import FaultRules
from services.common.seed import load_seed_file
from services.common.postgres_register import PostgresRegister
from services.common.sqlite_register import SqliteRegister

log = logging.getLogger(__name__)


def open_register(department: str, register_url: str, data_dir: Path) -> Register:
    """The department's register: its schema in PostgreSQL when a URL is set, else its SQLite file."""
    if register_url:
        return PostgresRegister(register_url, department)
    return SqliteRegister(data_dir / f"{department}.sqlite")


class DepartmentRegister(DependencyProvider):
    """Gives each worker the department's domain object, built by `domain` over the department's
    register (services/common/settings.py: a SQLite file `<data dir>/<department>.sqlite`, or its schema
    in PostgreSQL). Where the config sets LIFEEVENTS_LOAD_SEED (`make run`, the tests), the demo seed is
    loaded first; production leaves it out."""

    def __init__(self, domain: Callable[[Register], Department]):
        self.domain = domain
        self.department: Department | None = None
        self.before_close: list[Callable[[], None]] = []  # what must stop using the register first (the event relay)

    def setup(self):
        name = self.container.service_name
        self.department = self.domain(open_register(name, config.get(settings.REGISTER_URL) or "",
                                                    Path(config[settings.DATA_DIR])))
        if config.get(settings.LOAD_SEED):
            added = load_seed_file(self.department)
            log.info("%s demo seed: %d record set(s) added", name, added)

    def stop(self):
        for halt in self.before_close:
            halt()
        if self.department is not None:
            self.department.register.close()

    def get_dependency(self, worker_ctx):
        return self.department


class FaultInjection(DependencyProvider):
    """The fault-injection rules a command handler checks (services/common/faults.py), or None:
    only a config naming LIFEEVENTS_FAULTS_FILE (tests, rehearsals) has any."""

    def __init__(self):
        self.rules: FaultRules | None = None

    def setup(self):
        path = config.get(settings.FAULTS_FILE)
        self.rules = FaultRules(Path(path)) if path else None

    def get_dependency(self, worker_ctx):
        return self.rules
