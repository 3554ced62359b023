"""A suite of one's own on this machine: a private RabbitMQ prefix, free ports and a data directory
nobody else uses, so the tests, the benchmarks and the fault suite never touch a running `make run`
(nor each other); and the people who call it, each with a token from the suite's development
identity provider (its data directory's key).

It lives in deploy/, not in tests/, because the benchmarks start such a suite too; the settings are
the ones deploy/suite.py reads.
"""
from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Mapping

import grpc
import pika

from deploy.suite import Suite, SuiteError, free_port
from lifeevents.client import ApplicantClient
from lifeevents.endpoints import DEPARTMENTS, port_variable
from lifeevents.identity import DevIdentityProvider, Role, TokenVerifier
from lifeevents.messaging import Topology
from lifeevents.v1 import applications_pb2 as pb

AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/%2F"


def private_topology() -> Topology:
    """Exchange and queue names under a prefix of their own (nothing is declared yet)."""
    return Topology(f"test-{uuid.uuid4().hex[:10]}")


def delete_topology(topology: Topology, departments=DEPARTMENTS) -> None:
    """Delete every exchange and queue of the topology from the broker; what is absent is skipped."""
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    channel = connection.channel()
    for queue in [*topology.results_queues, topology.dead_letter_queue, topology.dead_letter_watch_queue,
                  *(topology.command_queue(d) for d in departments), topology.coordinator_events_queue,
                  topology.notifier_queue]:
        channel.queue_delete(queue)
    for exchange in (topology.commands_exchange, topology.results_exchange, topology.dead_letter_exchange,
                     topology.events_exchange, topology.notifications_exchange):
        channel.exchange_delete(exchange)
    connection.close()


def private_suite_env(topology: Topology, data_dir: Path) -> tuple[dict, dict]:
    """Settings for a suite of one's own (private data dir, ports and RabbitMQ prefix), and the
    address of each department's query API."""
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


class PrivateSuite(Suite):
    """The whole suite on private settings, its output in `<data_dir>/suite.log`.

    As a context manager it starts, and on leaving closes: stops and deletes its RabbitMQ topology.
    `stop()` alone leaves the topology, so that something may still run on the same settings.
    """

    def __init__(self, data_dir: Path, **settings: str):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.topology = private_topology()
        env, self.department_addresses = private_suite_env(self.topology, data_dir)
        self.settings = {**env, **settings}
        self.log_path = data_dir / "suite.log"
        super().__init__(self.settings, log=open(self.log_path, "w", encoding="utf-8"))

    @property
    def tokens(self) -> LocalTokens:
        return LocalTokens(self.data_dir)

    def applicants(self) -> Applicants:
        return Applicants(self.coordinator_address, self.tokens)

    def form_applicant(self) -> FormApplicant:
        return FormApplicant(self.applicants())

    def start(self, timeout: float = 60) -> "PrivateSuite":
        try:
            return super().start(timeout)
        except Exception as error:
            self.close()
            raise SuiteError(f"the suite did not start; see {self.log_path}:\n{self.log_tail()}") from error

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(encoding="utf-8")[-chars:]

    def close(self) -> None:
        """Stop every process and delete the RabbitMQ topology."""
        try:
            self.stop()
            self.log.close()
        finally:
            delete_topology(self.topology)

    def __exit__(self, *exc) -> None:
        self.close()


class LocalTokens:
    """Tokens of a local suite's development identity provider (the key in `<data dir>/identity/`),
    as `lifeevents token --as ...` makes them: the tests, benchmarks and fault suite act as named people."""

    def __init__(self, data_dir: Path):
        self.provider = DevIdentityProvider(Path(data_dir) / "identity")

    def citizen(self, resident_id: str, name: str = "") -> str:
        return self.provider.issue(resident_id, Role.CITIZEN, name=name)

    def agent(self, resident_id: str) -> str:
        return self.provider.issue(resident_id, Role.AGENT)

    def officer(self, department: str, subject: str = "officer-1") -> str:
        return self.provider.issue(subject, Role.OFFICER, department=department)

    def operator(self, subject: str = "operator") -> str:
        return self.provider.issue(subject, Role.OPERATOR)

    def admin(self, subject: str = "admin") -> str:
        return self.provider.issue(subject, Role.ADMIN)

    def service(self, subject: str = "tests") -> str:
        return self.provider.issue(subject, Role.SERVICE)

    def hospital(self, subject: str = "H-370202-0001") -> str:
        """A hospital that records births (health's RecordBirth)."""
        return self.provider.issue(subject, Role.HOSPITAL)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.provider.ensure_keys())


class Applicants:
    """Applicant clients of a suite, one per person, each calling with that person's token."""

    def __init__(self, address: str, tokens: LocalTokens):
        self.address, self.tokens = address, tokens
        self._clients: dict[tuple[str, ...], ApplicantClient] = {}
        self._principal_fields: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _client(self, key: tuple[str, ...], token) -> ApplicantClient:
        with self._lock:
            if key not in self._clients:
                self._clients[key] = ApplicantClient(self.address, token())
            return self._clients[key]

    def citizen(self, resident_id: str) -> ApplicantClient:
        return self._client(("citizen", resident_id), lambda: self.tokens.citizen(resident_id))

    def agent(self, resident_id: str) -> ApplicantClient:
        return self._client(("agent", resident_id), lambda: self.tokens.agent(resident_id))

    def officer(self, department: str, subject: str = "officer-1") -> ApplicantClient:
        return self._client(("officer", department, subject), lambda: self.tokens.officer(department, subject))

    def principal_of(self, bundle: str, form: Mapping[str, str]) -> str:
        """The person the form names first among the bundle's principals (GetForm says which fields)."""
        if bundle not in self._principal_fields:
            try:
                form_message = self.anonymous().stub.GetForm(pb.GetFormRequest(bundle=bundle), timeout=10)
            except grpc.RpcError as err:
                if err.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                raise ValueError(f"no bundle {bundle!r}") from None
            self._principal_fields[bundle] = list(form_message.principals)
        named = [form[f] for f in self._principal_fields[bundle] if form.get(f)]
        if not named:
            raise ValueError(f"the {bundle} form names none of {self._principal_fields[bundle]}")
        return str(named[0]).strip().upper()

    def of_form(self, bundle: str, form: Mapping[str, str], default: str = "") -> ApplicantClient:
        """The client of the person the form names as its principal (or of `default`, if it names nobody)."""
        try:
            return self.citizen(self.principal_of(bundle, form))
        except ValueError:
            if not default:
                raise
            return self.citizen(default)

    def anonymous(self) -> ApplicantClient:
        return self._client(("anonymous",), lambda: "")

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def __enter__(self) -> "Applicants":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FormApplicant:
    """An applicant client that acts as the person each form names as its principal (the mother, the
    person retiring, the legal representative): it submits with their token and follows each
    application it submitted as the same person. Calls that need nobody (ListBundles, GetForm) go
    through `stub`."""

    DEFAULT = "370202199205140022"  # 李秀英, the demo mother: who asks about an application nobody here submitted

    def __init__(self, applicants: Applicants):
        self.applicants = applicants
        self._submitted_by: dict[str, ApplicantClient] = {}
        self.stub = applicants.anonymous().stub

    def as_principal(self, application_id: str) -> ApplicantClient:
        return self._submitted_by.get(application_id) or self.applicants.citizen(self.DEFAULT)

    def submit(self, form: dict, bundle: str = "newborn", idempotency_key: str = "") -> str:
        client = self.applicants.of_form(bundle, form, default=self.DEFAULT)
        application_id = client.submit(form, bundle=bundle, idempotency_key=idempotency_key)
        self._submitted_by[application_id] = client
        return application_id

    def get(self, application_id: str) -> pb.Application:
        return self.as_principal(application_id).get(application_id)

    def watch(self, application_id: str, timeout: float = 60) -> list[pb.ApplicationEvent]:
        return self.as_principal(application_id).watch(application_id, timeout)

    def settle(self, application_id: str, timeout: float = 60) -> pb.Application:
        return self.as_principal(application_id).settle(application_id, timeout)

    def close(self) -> None:
        self.applicants.close()

    def __enter__(self) -> "FormApplicant":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
