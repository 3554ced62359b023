"""The AMQP contract (protos/asyncapi.yaml) is valid AsyncAPI, and says exactly what the code declares:
every exchange with its type, every queue with its arguments and bindings, for every department and
partition. Either one changing alone fails here."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from lifeevents.endpoints import DEPARTMENTS
from lifeevents.messaging import Topology
from saga.adapters.rabbitmq.topology import declare_events, declare_topology
from tests.support.fakes import shipped_bundles

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "protos" / "asyncapi.yaml"
VALIDATOR = ROOT / "tools" / "asyncapi" / "validate.mjs"


class RecordingChannel:
    """Records what declare_topology asks the broker to declare."""

    def __init__(self):
        self.exchanges, self.queues, self.bindings = {}, {}, set()

    def exchange_declare(self, name, exchange_type, durable=False):
        self.exchanges[name] = exchange_type

    def queue_declare(self, name, durable=False, arguments=None):
        self.queues[name] = dict(arguments or {})

    def queue_bind(self, queue, exchange, routing_key=None):
        self.bindings.add((queue, exchange, routing_key or ""))


# The events the shipped bundles' triggers name: the coordinator binds its events queue to them.
EVENT_KEYS = [b.proactive.event.key for b in shipped_bundles() if b.proactive]


def declared(topology: Topology) -> RecordingChannel:
    channel = RecordingChannel()
    declare_topology(channel, topology, DEPARTMENTS)
    declare_events(channel, topology, EVENT_KEYS)
    return channel


def documented(topology: Topology) -> RecordingChannel:
    """The document's exchanges and queues with their parameters filled in as the code fills them."""
    document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    values = {"department": list(DEPARTMENTS), "partition": [f"{p:02d}" for p in range(topology.partitions)]}
    channel = RecordingChannel()

    def fill(text, **chosen):
        return text.replace("{prefix}", topology.prefix).format(**chosen) if "{" in text else text

    for name, entry in document["channels"].items():
        parameters = [p for p in entry.get("parameters", {}) if p != "prefix"]
        choices = [{}] if not parameters else [{parameters[0]: v} for v in values[parameters[0]]]
        for chosen in choices:
            if "x-lifeevents-exchange" in entry:
                channel.exchange_declare(fill(entry["address"], **chosen), entry["x-lifeevents-exchange"]["type"])
            if "x-lifeevents-queue" in entry:
                queue = fill(entry["address"], **chosen)
                channel.queue_declare(queue, arguments={k: fill(v) if isinstance(v, str) else v for k, v in
                                                        entry["x-lifeevents-queue"]["arguments"].items()})
                for binding in entry["x-lifeevents-queue"]["bindings"]:
                    channel.queue_bind(queue, fill(binding["exchange"], **chosen), fill(binding["routingKey"], **chosen))
    return channel


def test_the_document_declares_what_the_code_declares():
    topology = Topology("lifeevents")
    code, document = declared(topology), documented(topology)
    assert document.exchanges == code.exchanges
    assert document.queues == code.queues
    assert document.bindings == code.bindings


def test_the_rules_name_the_limits_the_code_uses():
    text = DOCUMENT.read_text(encoding="utf-8")
    topology = Topology()
    assert f"x-delivery-limit: {topology.queue_arguments()['x-delivery-limit']}" in text
    assert f"`p00` … `p{topology.partitions - 1:02d}`" in text
    for header in ("x-error", "x-error-type", "x-consumer", "x-deliveries", "x-dead-lettered-at", "x-delivery-count",
                   "x-death", "x-original-type"):
        assert f"{header}:" in text


def test_the_document_is_valid_asyncapi():
    node = shutil.which("node")
    assert node, "node is needed to validate protos/asyncapi.yaml (apt-get install -y nodejs npm)"
    assert (VALIDATOR.parent / "node_modules" / "@asyncapi" / "parser").exists(), \
        "the AsyncAPI parser is missing: make install"
    done = subprocess.run([node, str(VALIDATOR), str(DOCUMENT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid AsyncAPI 3" in done.stdout
