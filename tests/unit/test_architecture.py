"""Layering rules, checked on the source: domains import no nameko or eventlet, the coordinator never
imports eventlet (it runs grpcio), the layers inside saga/ point inwards, the coordinator names no
bundle, and nothing outside the domain names an event by a string."""
import ast
import re
from pathlib import Path

import pytest
import yaml
from eventsourcing.domain import Aggregate

from saga.domain.access_log import AccessLog
from saga.domain.application import Application
from saga.domain.delegation import Delegation
from saga.domain.preferences import Preferences

ROOT = Path(__file__).resolve().parents[2]
DEPARTMENT_DOMAINS = sorted(ROOT.glob("services/*/domain.py")) + [ROOT / "services/common/sqlite_register.py"]
SAGA = sorted(ROOT.glob("saga/**/*.py"))
EDGES = sorted(ROOT.glob("saga/adapters/**/*.py")) + sorted(ROOT.glob("saga/entrypoints/*.py"))


def module_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_modules(path: Path) -> set[str]:
    return {name.split(".")[0] for name in module_names(path)}


def saga_layers_imported(path: Path) -> set[str]:
    """The saga layers a module imports: saga.domain, saga.adapters, saga.entrypoints, saga.coordinator, ..."""
    return {".".join(name.split(".")[:2]) for name in module_names(path) if name.startswith("saga.")}


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", DEPARTMENT_DOMAINS, ids=relative)
def test_department_domain_is_free_of_nameko_and_eventlet(path):
    assert not imported_modules(path) & {"nameko", "nameko_grpc", "eventlet", "kombu", "grpc", "pika"}


@pytest.mark.parametrize("path", SAGA, ids=relative)
def test_coordinator_never_imports_eventlet_or_nameko(path):
    assert not imported_modules(path) & {"nameko", "nameko_grpc", "eventlet", "kombu"}


def test_saga_domain_does_no_io():
    for path in sorted(ROOT.glob("saga/domain/*.py")):
        assert not imported_modules(path) & {"grpc", "pika", "sqlite3", "psycopg", "yaml", "socket", "os"}, path


@pytest.mark.parametrize("path", sorted(ROOT.glob("saga/domain/*.py")), ids=relative)
def test_the_domain_imports_only_the_domain(path):
    assert saga_layers_imported(path) <= {"saga.domain"}


def test_the_use_cases_import_no_adapter_and_no_entrypoint():
    assert saga_layers_imported(ROOT / "saga" / "coordinator.py") <= {"saga.domain", "saga.proactive",
                                                                      "saga.commitment_cases", "saga.practices",
                                                                      "saga.aftercare", "saga.results",
                                                                      "saga.access_cases"}
    for use_cases in ("proactive.py", "commitment_cases.py", "practices.py", "aftercare.py", "results.py",
                      "access_cases.py"):
        assert saga_layers_imported(ROOT / "saga" / use_cases) <= {"saga.domain"}


@pytest.mark.parametrize("path", sorted(ROOT.glob("saga/adapters/**/*.py")), ids=relative)
def test_adapters_import_no_entrypoint_and_no_use_case(path):
    assert not saga_layers_imported(path) & {"saga.entrypoints", "saga.coordinator", "saga.queries", "saga.bootstrap"}


@pytest.mark.parametrize("path", sorted(ROOT.glob("saga/entrypoints/*.py")), ids=relative)
def test_entrypoints_reach_adapters_only_through_the_composition_root(path):
    assert not saga_layers_imported(path) & {"saga.adapters", "saga.bootstrap"}


def test_the_operators_cli_imports_nothing_of_the_coordinator():
    assert "saga" not in imported_modules(ROOT / "lifeevents" / "cli.py")


def bundle_words() -> set[str]:
    """Every bundle id and step id the shipped definitions use."""
    words = set()
    for path in ROOT.glob("bundles/*.yaml"):
        definition = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.stem != "departments":
            words.add(definition["id"])
            words.update(definition["steps"])
    return words


@pytest.mark.parametrize("path", SAGA, ids=relative)
def test_coordinator_holds_no_bundle_specific_code(path):
    source = path.read_text(encoding="utf-8")
    assert not [w for w in sorted(bundle_words()) if re.search(rf"\b{w}\b", source)]


def test_the_bundle_words_come_from_the_definitions():
    assert {"newborn", "birth_certificate", "household_registration", "notice_period"} <= bundle_words()


# Every aggregate's events, those of the Application's bases (Withdrawal, Rating, ...) included.
EVENT_NAMES = {name for aggregate in (Application, AccessLog, Delegation, Preferences) for name in dir(aggregate)
               if isinstance(value := getattr(aggregate, name), type) and issubclass(value, Aggregate.Event)
               and name not in ("Event", "Created")}


def test_the_event_names_are_the_aggregates_events():
    assert {"Submitted", "StepDispatched", "CompensationStarted", "ObjectionRaised", "Failed", "Withdrawn", "Rated",
            "StepRetried", "AccessRecorded"} <= EVENT_NAMES


@pytest.mark.parametrize("path", EDGES, ids=relative)
def test_no_event_is_named_by_a_string_outside_the_domain(path):
    """Dispatch on the event classes: a renamed event is then a failing import, not a silent miss."""
    constants = {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not constants & EVENT_NAMES


def test_the_readme_names_every_module_of_the_coordinator():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(saga/[\w/]+\.py)` \|", readme, re.MULTILINE))
    modules = {relative(p) for p in SAGA if p.name != "__init__.py"}
    assert listed == modules
