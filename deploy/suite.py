"""Start and stop the whole suite as local processes: the departments, the coordinator, the notifier.

Used by `make run` (in the foreground) and by the end-to-end tests (each with its own
data directory, ports and RabbitMQ prefix, so they never touch a running suite).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Mapping
from urllib.parse import urlparse

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lifeevents.cli import MIGRATIONS
from lifeevents.client import channel
from lifeevents.endpoints import DEPARTMENTS, grpc_port

ROOT = Path(__file__).resolve().parent.parent
_COLOURS = ("\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m", "\033[31m")


class SuiteError(RuntimeError):
    pass


def broker_address(amqp_uri: str) -> tuple[str, int]:
    url = urlparse(amqp_uri)
    return url.hostname or "127.0.0.1", url.port or 5672


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_rabbitmq(amqp_uri: str, wait_s: float = 60) -> None:
    """Start a local RabbitMQ if it is installed but not running; say what to install if it is missing."""
    host, port = broker_address(amqp_uri)
    if reachable(host, port):
        return
    if host not in ("127.0.0.1", "localhost"):
        raise SuiteError(f"RabbitMQ at {host}:{port} is not reachable")
    server = shutil.which("rabbitmq-server") or ("/usr/sbin/rabbitmq-server"
                                                 if os.path.exists("/usr/sbin/rabbitmq-server") else None)
    if server is None:
        raise SuiteError("RabbitMQ is not installed. Install it with:  sudo apt-get install -y rabbitmq-server")
    print(f"RabbitMQ is not running on {host}:{port}; starting it ({server} -detached)", flush=True)
    subprocess.run([server, "-detached"], check=False)
    deadline = time.monotonic() + wait_s
    while not reachable(host, port):
        if time.monotonic() > deadline:
            raise SuiteError(f"RabbitMQ did not come up on {host}:{port} within {wait_s:.0f}s")
        time.sleep(0.5)


def restart_rabbitmq(amqp_uri: str, wait_s: float = 120) -> None:
    """Stop the local RabbitMQ node and start it again (fault injection): every connection drops,
    and durable queues come back from disk."""
    host, port = broker_address(amqp_uri)
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    subprocess.run([ctl, "shutdown"], check=True, capture_output=True, timeout=wait_s)
    while reachable(host, port, 0.2):
        time.sleep(0.2)
    ensure_rabbitmq(amqp_uri, wait_s)
    subprocess.run([ctl, "await_startup"], check=True, capture_output=True, timeout=wait_s)


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, and that this process has not handed out before: a suite's
    processes never share one (departments listen with SO_REUSEPORT, so two on one port would
    silently split its calls)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class Suite:
    """The coordinator and the department processes, with their output prefixed by name."""

    def __init__(self, env: Mapping[str, str] | None = None, log: IO[str] | None = None, colour: bool = False):
        self.env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), self.env.get("PYTHONPATH")]))
        self.log = log or sys.stdout
        self.colour = colour
        self.processes: dict[str, subprocess.Popen] = {}
        self.own_env: dict[str, dict[str, str]] = {}
        self._pumps: list[threading.Thread] = []
        self._log_lock = threading.Lock()

    @property
    def coordinator_address(self) -> str:
        return self.env.get("LIFEEVENTS_GRPC_ADDRESS") or "127.0.0.1:50051"

    @property
    def web_address(self) -> str:
        return self.env.get("LIFEEVENTS_WEB_ADDRESS") or "127.0.0.1:8080"

    def migrate(self) -> None:
        """Create every table first (`lifeevents migrate`): instances start with table creation off."""
        for command in MIGRATIONS:
            done = subprocess.run([sys.executable, *command], cwd=ROOT, env=self.env, capture_output=True, text=True)
            if done.returncode:
                raise SuiteError(f"{' '.join(command[1:])} failed:\n{done.stdout}{done.stderr}")

    def start(self, timeout: float = 60, web: bool = False, leave_out: tuple[str, ...] = ()) -> "Suite":
        """Start the departments, the coordinator and the notifier, and the web front door if `web`;
        `leave_out` names departments not to start (another process, or a department in another
        language, serves their queue)."""
        ensure_rabbitmq((self.env.get("LIFEEVENTS_AMQP_URI") or "amqp://guest:guest@127.0.0.1:5672/%2F").split(",")[0])
        unknown = set(leave_out) - set(DEPARTMENTS)
        if unknown:
            raise SuiteError(f"no such department: {', '.join(sorted(unknown))}")
        self.migrate()
        names = (*(d for d in DEPARTMENTS if d not in leave_out), "coordinator", "notifier", *(("web",) if web else ()))
        for name in names:
            self.start_process(name)
        self.wait_ready(names, timeout)
        return self

    @staticmethod
    def command(name: str) -> list[str]:
        """The process of a name: "coordinator", "notifier", "web" or a department; "<name>#<n>" is one
        more instance."""
        base = name.partition("#")[0]
        if base == "coordinator":
            return [sys.executable, "-m", "saga"]
        if base == "notifier":  # it listens on no port: the coordinator declared its queue, so nothing waits for it
            return [sys.executable, "-m", "services.notifier"]
        if base == "web":
            return [sys.executable, "-m", "web"]
        return [sys.executable, "-m", "services", base]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Stop one process abruptly (SIGKILL by default), as a crash would."""
        process = self.processes[name]
        process.send_signal(sig)
        process.wait(10)

    def restart(self, name: str, timeout: float = 60, serving: bool = True) -> None:
        """Start the process again and wait until it serves (for the coordinator, with `serving`
        False: until it answers health at all, as it does while a department it needs is down)."""
        self.start_process(name)
        self.wait_ready((name,), timeout, serving)

    def start_process(self, name: str, env: Mapping[str, str] | None = None) -> None:
        """Start one process; `env` adds settings of its own (another instance's address, say)."""
        argv = self.command(name)
        if env is not None:
            self.own_env[name] = dict(env)
        process = subprocess.Popen(argv, cwd=ROOT, env={**self.env, **self.own_env.get(name, {})},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.processes[name] = process
        pump = threading.Thread(target=self._pump, args=(name, process), daemon=True)
        pump.start()
        self._pumps.append(pump)

    def _pump(self, name: str, process: subprocess.Popen) -> None:
        colour = _COLOURS[list(self.processes).index(name) % len(_COLOURS)] if self.colour else ""
        reset = "\033[0m" if self.colour else ""
        for line in process.stdout:
            with self._log_lock:
                self.log.write(f"{colour}{name:>18} |{reset} {line}")
                self.log.flush()

    def wait_ready(self, names: tuple[str, ...], timeout: float, serving: bool = True) -> None:
        """Wait until each named process serves: a department's gRPC port or the web's port is open,
        the coordinator is SERVING (it is once the broker and every department answer; with
        `serving` False, once it answers health at all)."""
        deadline = time.monotonic() + timeout
        if "web" in names:
            host, _, port = self.web_address.rpartition(":")
            while not reachable(host, int(port), 0.2):
                self._check_alive()
                if time.monotonic() > deadline:
                    raise SuiteError(f"the web front door did not open {self.web_address}")
                time.sleep(0.2)
        for department in (n for n in names if n.partition("#")[0] in DEPARTMENTS):
            port = grpc_port(department.partition("#")[0], {**self.env, **self.own_env.get(department, {})})
            while not reachable("127.0.0.1", port, 0.2):
                self._check_alive()
                if time.monotonic() > deadline:
                    raise SuiteError(f"{department} did not open its gRPC port {port}")
                time.sleep(0.2)
        for coordinator in (n for n in names if n.partition("#")[0] == "coordinator"):
            self._wait_serving(self.own_env.get(coordinator, {}).get("LIFEEVENTS_GRPC_ADDRESS")
                               or self.coordinator_address, deadline, serving)

    def _wait_serving(self, address: str, deadline: float, serving: bool) -> None:
        with channel(address, self.trusted_certificates()) as connection:
            stub = health_pb2_grpc.HealthStub(connection)
            while True:
                self._check_alive()
                try:
                    status = stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                    if status == health_pb2.HealthCheckResponse.SERVING or not serving:
                        return
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    raise SuiteError("the coordinator did not report SERVING")
                time.sleep(0.2)

    def trusted_certificates(self) -> bytes | None:
        """What a client of this suite trusts when the coordinator serves TLS: LIFEEVENTS_TLS_CA, or
        the (self-signed) certificate itself."""
        path = self.env.get("LIFEEVENTS_TLS_CA") or self.env.get("LIFEEVENTS_TLS_CERT")
        return Path(path).read_bytes() if path else None

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None and process.returncode != -signal.SIGKILL:
                raise SuiteError(f"{name} exited with code {process.returncode} while starting")

    def stop(self, grace: float = 10) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pump in self._pumps:
            pump.join(timeout=2)

    def __enter__(self) -> "Suite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
