"""Layering rules, checked on the source: domains import no nameko or eventlet, the coordinator
never imports eventlet (it runs grpcio), and the coordinator names no bundle."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPARTMENT_DOMAINS = sorted(ROOT.glob("services/*/domain.py")) + [ROOT / "services/common/sqlite_register.py"]
SAGA = sorted(ROOT.glob("saga/**/*.py"))


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.parametrize("path", DEPARTMENT_DOMAINS, ids=lambda p: str(p.relative_to(ROOT)))
def test_department_domain_is_free_of_nameko_and_eventlet(path):
    assert not imported_modules(path) & {"nameko", "nameko_grpc", "eventlet", "kombu", "grpc", "pika"}


@pytest.mark.parametrize("path", SAGA, ids=lambda p: str(p.relative_to(ROOT)))
def test_coordinator_never_imports_eventlet_or_nameko(path):
    assert not imported_modules(path) & {"nameko", "nameko_grpc", "eventlet", "kombu"}


def test_saga_domain_does_no_io():
    for path in sorted(ROOT.glob("saga/domain/*.py")):
        assert not imported_modules(path) & {"grpc", "pika", "sqlite3", "psycopg", "yaml", "socket", "os"}, path


@pytest.mark.parametrize("path", SAGA, ids=lambda p: str(p.relative_to(ROOT)))
def test_coordinator_holds_no_bundle_specific_code(path):
    bundle_words = {"newborn", "birth_certificate", "household_registration", "mother_id"}
    source = path.read_text(encoding="utf-8")
    assert not [w for w in bundle_words if w in source]


def test_the_readme_names_every_module_of_the_coordinator():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(saga/[\w/]+\.py)` \|", readme, re.MULTILINE))
    modules = {str(p.relative_to(ROOT)) for p in SAGA if p.name != "__init__.py"}
    assert listed == modules
