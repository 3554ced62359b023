"""The catalogue (bundles/departments.yaml) is the one list of departments: each of its departments has
a domain performing exactly its actions, a service package and a port, and nothing else under services/
is a department (test_department_wiring.py checks each service class)."""
import importlib
import inspect
from pathlib import Path

import pytest

from lifeevents.endpoints import DEFAULT_GRPC_PORTS, DEPARTMENTS, CatalogueError, catalogue_ports, grpc_port
from saga.adapters.bundle_files import load_catalogue
from services.common.domain import Department

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(ROOT / "bundles" / "departments.yaml")
PACKAGES = {path.parent.name for path in (ROOT / "services").glob("*/service.py")}


def domain_of(department: str) -> type[Department]:
    module = importlib.import_module(f"services.{department}.domain")
    [domain] = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                if issubclass(cls, Department) and cls.__module__ == module.__name__ and cls.name == department]
    return domain


def test_the_catalogue_and_the_service_packages_name_the_same_departments():
    assert set(CATALOGUE.departments) == set(DEPARTMENTS) == PACKAGES


def test_every_department_has_a_port_of_its_own_which_the_environment_can_move():
    assert set(DEFAULT_GRPC_PORTS) == set(DEPARTMENTS)
    assert len(set(DEFAULT_GRPC_PORTS.values())) == len(DEPARTMENTS)
    assert grpc_port("health", {}) == DEFAULT_GRPC_PORTS["health"] == 50061
    assert grpc_port("health", {"LIFEEVENTS_HEALTH_GRPC_PORT": "41000"}) == 41000


def test_a_catalogue_department_without_a_port_is_named(tmp_path):
    path = tmp_path / "departments.yaml"
    path.write_text("departments:\n  health: {grpc_port: 50061}\n  tax: {name: {en: Tax}}\n")
    with pytest.raises(CatalogueError, match=r"departments\.tax\.grpc_port"):
        catalogue_ports(path)


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_the_domain_performs_exactly_the_catalogued_actions(department):
    domain = domain_of(department)
    assert set(domain.actions) == set(CATALOGUE.departments[department].actions)
    for action in domain.actions:
        assert callable(getattr(domain, action))
