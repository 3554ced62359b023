"""`python -m services.migrate [department ...]` (run by `lifeevents migrate`): create the register
schema of each department whose register is in PostgreSQL (services/common/settings.py), and the
notifier's (its delivered ids) when all are migrated. A SQLite register is a file of the department's
own, made when it first opens."""
from __future__ import annotations

import sys

from lifeevents.endpoints import DEPARTMENTS
from services.common.postgres_register import create_schema
from services.common.settings import register_url
from services.notifier.settings import NAME as NOTIFIER


def migrate(departments=DEPARTMENTS) -> list[str]:
    """The departments (and the notifier, with all of them) whose PostgreSQL schema is in place now."""
    done = []
    for department in (*departments, *((NOTIFIER,) if tuple(departments) == tuple(DEPARTMENTS) else ())):
        url = register_url(department)
        if url:
            create_schema(url, department)
            done.append(department)
    return done


def main(argv=None) -> int:
    departments = (argv if argv is not None else sys.argv[1:]) or list(DEPARTMENTS)
    unknown = [d for d in departments if d not in DEPARTMENTS]
    if unknown:
        print(f"unknown department(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    done = migrate(departments)
    print(f"registers in PostgreSQL: {', '.join(done) or 'none (SQLite files in the data dir)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
