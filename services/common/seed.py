"""The demo seed: reference data a department can start with (services/<department>/seed.yaml:
households and persons, companies, taxpayers, employer accounts), so demos and tests can name
existing people and companies. A production register starts without it."""
from __future__ import annotations

from pathlib import Path

import yaml

from services.common.domain import Department

SERVICES_DIR = Path(__file__).resolve().parents[1]


def seed_file(department: str) -> Path:
    return SERVICES_DIR / department / "seed.yaml"


def load_seed_file(department: Department) -> int:
    """Put the department's seed in its register where it is missing; how many record sets were added
    (0 for a department without a seed file)."""
    path = seed_file(department.name)
    if not path.exists():
        return 0
    return department.load_seed(yaml.safe_load(path.read_text(encoding="utf-8")))
