"""Write the Kubernetes manifests of deploy/k8s/ from the catalogue and the bundles, so they cannot
drift from them: `python -m deploy.k8s_manifests` (tests/unit/test_deployment.py checks the files
are what this writes).

One image (deploy/Dockerfile); the migration as a Job run before the Deployments roll out; two
coordinators, two instances of each department and two notifiers, each with a Service, probes (gRPC
health on the coordinator, the gRPC port on a department, metrics on the notifier, HTTP on the web)
and a PodDisruptionBudget; the bundles
and the catalogue as a ConfigMap mounted where LIFEEVENTS_BUNDLES_DIR points; production identity
(development tokens refused: the identity provider's issuer from the Secret, its public keys as a
ConfigMap mounted where LIFEEVENTS_JWKS_FILE points; the coordinator's service token towards the
departments and the key of application ids shared by every coordinator, from the Secret);
credentials from a Secret; RabbitMQ as a three-node RabbitmqCluster (the RabbitMQ cluster operator) with the Prometheus
plugin; PostgreSQL is the operator's own (its URL in the Secret).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from lifeevents.endpoints import DEFAULT_GRPC_PORTS, address_variable

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
IMAGE = "lifeevents:latest"
BUNDLES_MOUNT = "/etc/lifeevents/bundles"
IDENTITY_MOUNT = "/etc/lifeevents/identity"
METRICS_PORT = 9100
LABELS = {"app.kubernetes.io/part-of": "lifeevents"}


def secret(name: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": "lifeevents", "key": key}}}


def common_env() -> list[dict]:
    return [
        secret("LIFEEVENTS_EVENT_STORE", "event-store-url"),
        secret("LIFEEVENTS_REGISTER_URL", "register-url"),
        secret("LIFEEVENTS_AMQP_URI", "amqp-uri"),
        {"name": "LIFEEVENTS_AMQP_PREFIX", "value": "lifeevents"},
        {"name": "LIFEEVENTS_BUNDLES_DIR", "value": BUNDLES_MOUNT},
        {"name": "LIFEEVENTS_CATALOGUE", "value": f"{BUNDLES_MOUNT}/departments.yaml"},
        {"name": "LIFEEVENTS_LOG_FORMAT", "value": "json"},
        {"name": "LIFEEVENTS_METRICS_ADDRESS", "value": f"0.0.0.0:{METRICS_PORT}"},
        {"name": "LIFEEVENTS_GRPC_BIND_HOST", "value": "0.0.0.0"},
        {"name": "LIFEEVENTS_INSTANCE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        # Who may call: tokens of the province's identity provider only (never the development issuer).
        {"name": "LIFEEVENTS_ENV", "value": "production"},
        secret("LIFEEVENTS_TOKEN_ISSUERS", "token-issuers"),
        {"name": "LIFEEVENTS_JWKS_FILE", "value": f"{IDENTITY_MOUNT}/jwks.json"},
    ]


def container(name: str, command: list[str], env: list[dict], ports: dict[str, int], probe: dict | None) -> dict:
    spec = {"name": name, "image": IMAGE, "command": command, "env": env,
            "ports": [{"name": port_name, "containerPort": port} for port_name, port in ports.items()],
            "volumeMounts": [{"name": "bundles", "mountPath": BUNDLES_MOUNT, "readOnly": True},
                             {"name": "identity", "mountPath": IDENTITY_MOUNT, "readOnly": True}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
            "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False}}
    if probe:
        spec["readinessProbe"] = {**probe, "periodSeconds": 5}
        spec["livenessProbe"] = {**probe, "periodSeconds": 10, "failureThreshold": 6}
    return spec


def pod(containers: list[dict], grace_s: int = 30) -> dict:
    return {"terminationGracePeriodSeconds": grace_s, "containers": containers,
            "volumes": [{"name": "bundles", "configMap": {"name": "lifeevents-bundles"}},
                        {"name": "identity", "configMap": {"name": "lifeevents-identity"}}]}


def deployment(name: str, replicas: int, spec: dict) -> dict:
    labels = {**LABELS, "app.kubernetes.io/name": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                     "template": {"metadata": {"labels": labels}, "spec": spec}}}


def service(name: str, ports: dict[str, int]) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": LABELS},
            "spec": {"selector": {"app.kubernetes.io/name": name},
                     "ports": [{"name": port_name, "port": port, "targetPort": port_name}
                               for port_name, port in ports.items()]}}


def disruption_budget(name: str) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name, "labels": LABELS},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}}}


def coordinator() -> list[dict]:
    env = [*common_env(), {"name": "LIFEEVENTS_GRPC_ADDRESS", "value": "0.0.0.0:50051"},
           {"name": "LIFEEVENTS_PARTITIONS", "value": "16"},
           secret("LIFEEVENTS_SERVICE_TOKEN", "service-token"),
           secret("LIFEEVENTS_APPLICATION_ID_SECRET", "application-id-secret"),
           *({"name": address_variable(d), "value": f"{d.replace('_', '-')}:{port}"}
             for d, port in DEFAULT_GRPC_PORTS.items())]
    ports = {"grpc": 50051, "metrics": METRICS_PORT}
    probe = {"grpc": {"port": 50051}}
    return [deployment("coordinator", 2, pod([container("coordinator", ["python", "-m", "saga"], env, ports, probe)])),
            service("coordinator", ports), disruption_budget("coordinator")]


def departments() -> list[dict]:
    manifests = []
    for department, port in DEFAULT_GRPC_PORTS.items():
        ports = {"grpc": port, "metrics": METRICS_PORT}
        spec = pod([container(department, ["python", "-m", "services", department], common_env(), ports,
                              {"tcpSocket": {"port": port}})])
        name = department.replace("_", "-")  # Kubernetes names take no underscore
        manifests += [deployment(name, 2, spec), service(name, ports), disruption_budget(name)]
    return manifests


def notifier() -> list[dict]:
    """Two notifiers on the notifications queue; their delivered ids in PostgreSQL (the register URL),
    so a notification is delivered once whichever takes it. Ready when its metrics answer."""
    ports = {"metrics": METRICS_PORT}
    spec = pod([container("notifier", ["python", "-m", "services.notifier"], common_env(), ports,
                          {"httpGet": {"path": "/metrics", "port": METRICS_PORT}})])
    return [deployment("notifier", 2, spec), service("notifier", ports), disruption_budget("notifier")]


def web() -> list[dict]:
    env = [{"name": "LIFEEVENTS_WEB_ADDRESS", "value": "0.0.0.0:8080"},
           {"name": "LIFEEVENTS_GRPC_ADDRESS", "value": "coordinator:50051"},
           {"name": "LIFEEVENTS_ENV", "value": "production"}, {"name": "LIFEEVENTS_WEB_HTTPS", "value": "1"},
           {"name": "LIFEEVENTS_WEB_SESSION_SECRET", "valueFrom": {"secretKeyRef": {"name": "lifeevents",
                                                                                    "key": "web-session-secret"}}},
           {"name": "LIFEEVENTS_LOG_FORMAT", "value": "json"},
           {"name": "LIFEEVENTS_METRICS_ADDRESS", "value": f"0.0.0.0:{METRICS_PORT}"}]
    ports = {"http": 8080, "metrics": METRICS_PORT}
    spec = pod([container("web", ["python", "-m", "web"], env, ports, {"httpGet": {"path": "/", "port": 8080}})])
    return [deployment("web", 2, spec), service("web", ports), disruption_budget("web")]


def migration() -> list[dict]:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "lifeevents-migrate", "labels": LABELS},
           "spec": {"backoffLimit": 6, "template": {"metadata": {"labels": LABELS}, "spec": {
               **pod([container("migrate", ["lifeevents", "migrate"], common_env(), {}, None)]),
               "restartPolicy": "OnFailure"}}}}
    return [job]


def settings() -> list[dict]:
    example = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "lifeevents", "labels": LABELS},
               "type": "Opaque", "stringData": {
                   "event-store-url": "postgresql://lifeevents:CHANGE-ME@postgres:5432/lifeevents",
                   "register-url": "postgresql://lifeevents:CHANGE-ME@postgres:5432/lifeevents",
                   "amqp-uri": "amqp://lifeevents:CHANGE-ME@rabbitmq:5672/%2F",
                   "token-issuers": "CHANGE-ME (your identity provider's issuer)",
                   "service-token": "CHANGE-ME (a token of role service for the coordinator)",
                   "application-id-secret": "CHANGE-ME", "web-session-secret": "CHANGE-ME"}}
    identity = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "lifeevents-identity", "labels": LABELS},
                "data": {"jwks.json": '{"keys": []}\n'}}  # CHANGE-ME: the identity provider's public keys
    rabbitmq = {"apiVersion": "rabbitmq.com/v1beta1", "kind": "RabbitmqCluster",
                "metadata": {"name": "rabbitmq", "labels": LABELS},
                "spec": {"replicas": 3, "rabbitmq": {"additionalPlugins": ["rabbitmq_prometheus"]},
                         "persistence": {"storage": "10Gi"}}}
    return [example, identity, rabbitmq]


def bundles() -> list[dict]:
    files = sorted((ROOT / "bundles").glob("*.yaml"))
    return [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "lifeevents-bundles", "labels": LABELS},
             "data": {path.name: path.read_text(encoding="utf-8") for path in files}}]


FILES = {"settings.yaml": settings, "bundles.yaml": bundles, "migrate-job.yaml": migration,
         "coordinator.yaml": coordinator, "departments.yaml": departments, "notifier.yaml": notifier, "web.yaml": web}


class _Plain(yaml.SafeDumper):
    """No anchors or aliases: each manifest reads on its own."""

    def ignore_aliases(self, data) -> bool:
        return True


def render() -> dict[str, str]:
    header = "# Written by `python -m deploy.k8s_manifests` from the catalogue and bundles/; do not edit.\n"
    rendered = {name: header + yaml.dump_all(make(), Dumper=_Plain, sort_keys=False, allow_unicode=True, width=120)
                for name, make in FILES.items()}
    rendered["kustomization.yaml"] = header + yaml.safe_dump(
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "namespace": "lifeevents",
         "resources": list(FILES)}, sort_keys=False)
    return rendered


def main() -> None:
    K8S.mkdir(exist_ok=True)
    for name, text in render().items():
        (K8S / name).write_text(text, encoding="utf-8")
        print(f"wrote deploy/k8s/{name}")


if __name__ == "__main__":
    main()
