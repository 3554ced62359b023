"""How a department process is wired: its settings come from the environment once, production leaves
fault injection and the demo seed out, and each service declares its providers and entrypoint itself."""
import ast
from pathlib import Path

import pytest

from lifeevents.endpoints import DEFAULT_GRPC_PORTS, DEPARTMENTS
from services.common import settings
from services.common.departments import service_class_name

ROOT = Path(__file__).resolve().parents[2]


def test_a_production_environment_gives_no_fault_injection_and_no_demo_seed():
    config = settings.from_environment("tax", {"LIFEEVENTS_AMQP_URI": "amqp://u:p@broker:5672/%2F"})
    assert settings.FAULTS_FILE not in config and settings.LOAD_SEED not in config
    assert config["AMQP_URI"] == "amqp://u:p@broker:5672//"
    assert config["GRPC_BIND_PORT"] == DEFAULT_GRPC_PORTS["tax"]
    assert config[settings.AMQP_PREFIX] == "lifeevents"


def test_a_test_environment_turns_both_on_and_moves_the_port_prefix_and_data_dir(tmp_path):
    config = settings.from_environment("tax", {
        "LIFEEVENTS_FAULTS_FILE": str(tmp_path / "faults.json"), "LIFEEVENTS_LOAD_SEED": "1",
        "LIFEEVENTS_TAX_GRPC_PORT": "41007", "LIFEEVENTS_AMQP_PREFIX": "test-1", "LIFEEVENTS_DATA_DIR": str(tmp_path)})
    assert config[settings.FAULTS_FILE] == str(tmp_path / "faults.json") and config[settings.LOAD_SEED] is True
    assert (config["GRPC_BIND_PORT"], config[settings.AMQP_PREFIX], config[settings.DATA_DIR]) == \
        (41007, "test-1", str(tmp_path))
    assert settings.LOAD_SEED not in settings.from_environment("tax", {"LIFEEVENTS_LOAD_SEED": "0"})


def test_a_seed_flag_that_is_neither_yes_nor_no_is_named():
    with pytest.raises(settings.SettingError, match="LIFEEVENTS_LOAD_SEED"):
        settings.from_environment("tax", {"LIFEEVENTS_LOAD_SEED": "maybe"})


def service_class(department: str) -> ast.ClassDef:
    """The class the convention names, read from source: importing it would import eventlet."""
    tree = ast.parse((ROOT / "services" / department / "service.py").read_text(encoding="utf-8"))
    [cls] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == service_class_name(department)]
    return cls


def declared(cls: ast.ClassDef) -> dict[str, str]:
    """What a class body wires, by what it is called: the names it assigns (with the call or the value
    it assigns) and its methods (with their decorator)."""
    wiring = {}
    for node in cls.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            wiring[node.targets[0].id] = value.func.id if isinstance(value, ast.Call) else ast.literal_eval(value)
        elif isinstance(node, ast.FunctionDef):
            wiring[node.name] = ", ".join(ast.unparse(d) for d in node.decorator_list)
    return wiring


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_the_service_declares_its_department_register_publisher_faults_and_command_entrypoint(department):
    wiring = declared(service_class(department))
    assert {key: wiring.get(key) for key in ("name", "department", "results", "faults", "on_command")} == {
        "name": department, "department": "DepartmentRegister", "results": "ResultPublisher",
        "faults": "FaultInjection", "on_command": "handles_commands"}


def test_nothing_under_services_adds_to_a_class_behind_its_back():
    assert not [path for path in ROOT.glob("services/**/*.py") if "__init_subclass__" in path.read_text(encoding="utf-8")]
