"""The deployment files (deploy/Dockerfile, deploy/compose.yaml, deploy/k8s/) checked without Docker
or a cluster: their structure, that the Kubernetes manifests are what deploy/k8s_manifests.py writes
from the catalogue and the bundles, and that every environment variable they set for our image is
one the code reads (a misspelt or retired setting would be silently ignored)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from deploy import k8s_manifests
from lifeevents.endpoints import DEPARTMENTS, address_variable, port_variable
from services.common.settings import register_url_variable

ROOT = Path(__file__).resolve().parents[2]
# Where each process reads its settings: one module per process, and the shared kernel.
SETTINGS_MODULES = ["saga/config.py", "services/common/settings.py", "web/config.py", "lifeevents/observability.py",
                    "lifeevents/endpoints.py", "lifeevents/identity.py", "services/notifier/settings.py"]
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
MANIFESTS = [doc for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
             for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def variables_the_code_reads() -> set[str]:
    names = set()
    for module in SETTINGS_MODULES:
        for node in ast.walk(ast.parse((ROOT / module).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.update(re.findall(r"\bLIFEEVENTS_[A-Z0-9_]*[A-Z0-9]\b", node.value))
    for department in DEPARTMENTS:  # the per-department ones, by the functions that name them
        names |= {port_variable(department), address_variable(department), register_url_variable(department)}
    return names


READ = variables_the_code_reads()


def our_compose_services() -> dict[str, dict]:
    return {name: service for name, service in COMPOSE["services"].items()
            if service.get("image", "").startswith("lifeevents")}


def our_containers() -> list[dict]:
    containers = []
    for doc in MANIFESTS:
        template = doc.get("spec", {}).get("template", {}).get("spec", {})
        containers += [c for c in template.get("containers", []) if c["image"].startswith("lifeevents")]
    return containers


def test_the_code_reads_the_settings_the_deployment_relies_on():
    assert {"LIFEEVENTS_EVENT_STORE", "LIFEEVENTS_AMQP_URI", "LIFEEVENTS_REGISTER_URL", "LIFEEVENTS_PARTITIONS",
            "LIFEEVENTS_METRICS_ADDRESS", "LIFEEVENTS_LOG_FORMAT", "LIFEEVENTS_GRPC_BIND_HOST",
            "LIFEEVENTS_HEALTH_GRPC_ADDRESS"} <= READ


@pytest.mark.parametrize("name", sorted(our_compose_services()))
def test_compose_sets_only_variables_the_code_reads(name):
    environment = our_compose_services()[name].get("environment", {})
    assert set(environment) - READ == set()


def test_kubernetes_sets_only_variables_the_code_reads():
    for container in our_containers():
        assert {variable["name"] for variable in container["env"]} - READ == set(), container["name"]


def test_the_dockerfile_sets_only_variables_the_code_reads():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert set(re.findall(r"\b(LIFEEVENTS_[A-Z0-9_]+)=", dockerfile)) - READ == set()


def test_compose_runs_the_whole_suite_on_a_cluster():
    services = COMPOSE["services"]
    assert {"postgres", "rabbit1", "rabbit2", "rabbit3", "migrate", "coordinator", "notifier", "web",
            *DEPARTMENTS} <= set(services)
    assert services["notifier"]["command"] == ["python", "-m", "services.notifier"]
    assert services["coordinator"]["deploy"]["replicas"] >= 2
    assert all(services[d]["deploy"]["replicas"] == 2 for d in DEPARTMENTS)
    assert services["web"]["command"] == ["python", "-m", "web"]
    assert services["migrate"]["command"] == ["lifeevents", "migrate"]
    for name, service in our_compose_services().items():
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert "rabbitmq_prometheus" in COMPOSE["configs"]["rabbitmq-plugins"]["content"]
    nodes = re.findall(r"nodes\.\d = rabbit@(\w+)", COMPOSE["configs"]["rabbitmq-conf"]["content"])
    assert nodes == ["rabbit1", "rabbit2", "rabbit3"]
    uris = services["coordinator"]["environment"]["LIFEEVENTS_AMQP_URI"].split(",")
    assert [re.search(r"@(\w+):", uri).group(1) for uri in uris] == nodes, "every node, for failover"


def test_the_kubernetes_manifests_are_what_the_generator_writes():
    for name, text in k8s_manifests.render().items():
        assert (ROOT / "deploy" / "k8s" / name).read_text(encoding="utf-8") == text, \
            f"deploy/k8s/{name} is stale: python -m deploy.k8s_manifests"


def test_the_kubernetes_manifests_hold_together():
    kinds = {}
    for doc in MANIFESTS:
        if doc["kind"] == "Kustomization":
            assert set(doc["resources"]) == set(k8s_manifests.FILES)
            continue
        assert doc["apiVersion"] and doc["metadata"]["name"], doc
        kinds.setdefault(doc["kind"], []).append(doc)
    assert {"Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Job", "Secret", "RabbitmqCluster"} <= set(kinds)
    deployments = {d["metadata"]["name"]: d for d in kinds["Deployment"]}
    assert {"coordinator", "notifier", "web", *(d.replace("_", "-") for d in DEPARTMENTS)} == set(deployments)
    for deployment in deployments.values():
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
        assert deployment["spec"]["replicas"] >= 2
    [coordinator] = deployments["coordinator"]["spec"]["template"]["spec"]["containers"]
    assert coordinator["readinessProbe"]["grpc"] == {"port": 50051} == coordinator["livenessProbe"]["grpc"]
    budgets = {b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for b in kinds["PodDisruptionBudget"]}
    assert budgets == {d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for d in deployments.values()}
    [job] = kinds["Job"]
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["lifeevents", "migrate"]
    [cluster] = kinds["RabbitmqCluster"]
    assert cluster["spec"]["replicas"] == 3 and "rabbitmq_prometheus" in cluster["spec"]["rabbitmq"]["additionalPlugins"]
    services = {s["metadata"]["name"] for s in kinds["Service"]}
    for variable in coordinator["env"]:
        if variable["name"].endswith("_GRPC_ADDRESS") and variable["name"] != "LIFEEVENTS_GRPC_ADDRESS":
            assert variable["value"].split(":")[0] in services, variable


def test_the_bundles_config_map_holds_every_bundle_and_the_catalogue():
    [bundles] = [d for d in MANIFESTS if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "lifeevents-bundles"]
    expected = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "bundles").glob("*.yaml")}
    assert bundles["data"] == expected
