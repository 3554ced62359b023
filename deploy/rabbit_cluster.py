"""A three-node RabbitMQ cluster of one's own on this machine, for `make test-scale`: each node has
its own node name, AMQP and distribution ports, data and log directories under a temporary
directory, an empty plugin list (so nothing else binds the management or Prometheus ports) and the
same Erlang cookie. It never touches the machine's broker on 5672 (rabbit@localhost)."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.suite import free_port, reachable

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


@dataclass
class Node:
    name: str
    port: int
    dist_port: int
    home: Path
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"


class RabbitCluster:
    def __init__(self, base: Path, nodes: int = 3, prefix: str = "lifeevents-scale"):
        self.base = base
        self.cookie = secrets.token_hex(16)
        self.nodes = [Node(f"{prefix}-{i}-{os.getpid()}@localhost", free_port(), free_port(), base / f"node{i}")
                      for i in range(1, nodes + 1)]

    @property
    def amqp_uri(self) -> str:
        """Every node, comma-separated, as LIFEEVENTS_AMQP_URI takes them."""
        return ",".join(node.uri for node in self.nodes)

    def env(self, node: Node) -> dict[str, str]:
        return {**{k: v for k, v in os.environ.items() if not k.startswith("RABBITMQ_")},
                "HOME": str(node.home), "RABBITMQ_NODENAME": node.name, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(node.port), "RABBITMQ_DIST_PORT": str(node.dist_port),
                "RABBITMQ_MNESIA_BASE": str(node.home / "mnesia"), "RABBITMQ_LOG_BASE": str(node.home / "log"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(node.home / "enabled_plugins"),
                "RABBITMQ_CONF_ENV_FILE": str(node.home / "rabbitmq-env.conf"),
                "RABBITMQ_CONFIG_FILE": str(node.home / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.home / "advanced.config"),
                "RABBITMQ_PID_FILE": str(node.home / "pid"), "ERL_EPMD_ADDRESS": "127.0.0.1"}

    def ctl(self, node: Node, *args: str, timeout: float = 60) -> str:
        done = subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", node.name, *args], env=self.env(node),
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {node.name}: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self, timeout: float = 120) -> "RabbitCluster":
        for node in self.nodes:
            node.home.mkdir(parents=True, exist_ok=True)
            cookie = node.home / ".erlang.cookie"
            cookie.write_text(self.cookie)
            cookie.chmod(0o400)
            (node.home / "enabled_plugins").write_text("[].")
            (node.home / "rabbitmq-env.conf").write_text("")
            (node.home / "rabbitmq.conf").write_text("loopback_users.guest = false\n")
            (node.home / "advanced.config").write_text("[].")
            self.launch(node)
        for node in self.nodes:
            self.wait(node, timeout)
        first = self.nodes[0]
        for node in self.nodes[1:]:
            self.ctl(node, "stop_app")
            self.ctl(node, "join_cluster", first.name)
            self.ctl(node, "start_app")
        self.ctl(first, "await_online_nodes", str(len(self.nodes)))
        return self

    def launch(self, node: Node) -> None:
        log = open(node.home / "server.out", "a")
        node.process = subprocess.Popen([str(RABBITMQ_BIN / "rabbitmq-server")], env=self.env(node), stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, node: Node, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not reachable("127.0.0.1", node.port, 0.2):
            if node.process.poll() is not None:
                raise RuntimeError(f"{node.name} exited: {(node.home / 'server.out').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{node.name} did not open {node.port}")
            time.sleep(0.3)
        self.ctl(node, "await_startup")

    def stop_node(self, node: Node) -> None:
        """Stop one node as an operator would (the others carry on; quorum queues elect new leaders)."""
        self.ctl(node, "stop")
        node.process.wait(60)

    def restart_node(self, node: Node, timeout: float = 120) -> None:
        """Stop one node and start it again from its data directory (durable queues come back)."""
        self.stop_node(node)
        self.launch(node)
        self.wait(node, timeout)

    def close(self) -> None:
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                try:
                    self.ctl(node, "stop", timeout=30)
                    node.process.wait(30)
                except (RuntimeError, subprocess.TimeoutExpired):
                    os.killpg(node.process.pid, signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)
