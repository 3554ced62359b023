"""Settings for a suite of a test's own: private data dir, ports and RabbitMQ prefix."""
from __future__ import annotations

from deploy.suite import free_port
from lifeevents.endpoints import DEPARTMENTS, port_variable
from tests.support.broker import AMQP_URI


def private_suite_env(topology, data_dir) -> tuple[dict, dict]:
    """Settings for a suite of our own: private data dir, ports and RabbitMQ prefix."""
    ports = {d: free_port() for d in DEPARTMENTS}
    env = {
        "LIFEEVENTS_DATA_DIR": str(data_dir),
        "LIFEEVENTS_AMQP_URI": AMQP_URI,
        "LIFEEVENTS_AMQP_PREFIX": topology.prefix,
        "LIFEEVENTS_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "LIFEEVENTS_EVENT_STORE": "sqlite",
        "LIFEEVENTS_CLOCK_OFFSET_FILE": str(data_dir / "clock-offset-seconds"),
        "LIFEEVENTS_FAULTS_FILE": str(data_dir / "faults.json"),
        "LIFEEVENTS_LOAD_SEED": "1",
        **{port_variable(d): str(p) for d, p in ports.items()},
    }
    return env, {d: f"127.0.0.1:{p}" for d, p in ports.items()}
