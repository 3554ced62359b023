"""Test clients of the running suite beyond the applicant's: the departments' query APIs (to see
an effect in a register) and the Operations API with the local operator credential."""
from __future__ import annotations

import importlib

import grpc
from google.protobuf import message_factory

# tests/unit imports newborn_form from here; new code imports it from deploy.sample_forms.
from deploy.sample_forms import newborn_form  # noqa: F401
from lifeevents.v1 import operations_pb2_grpc

DEV_OPERATOR_TOKEN = "dev-operator-token"


class Register:
    """One department's query API (protos/lifeevents/departments/v1/<department>.proto), each rpc
    called with the request's fields as keywords: `register.GetPerson(resident_id=...)`."""

    def __init__(self, department: str, channel: grpc.Channel):
        messages = importlib.import_module(f"lifeevents.departments.v1.{department}_pb2")
        services = importlib.import_module(f"lifeevents.departments.v1.{department}_pb2_grpc")
        [service] = messages.DESCRIPTOR.services_by_name.values()
        self.stub = getattr(services, f"{service.name}Stub")(channel)
        self.requests = {m.name: message_factory.GetMessageClass(m.input_type) for m in service.methods}

    def __getattr__(self, method: str):
        if method not in self.requests:
            raise AttributeError(method)
        call = getattr(self.stub, method)
        return lambda **fields: call(self.requests[method](**fields), timeout=5)


class Registers:
    """Every department's query API, through grpcio (the departments serve them with nameko-grpc):
    `registers.civil_registration.GetPerson(resident_id=...)`."""

    def __init__(self, addresses: dict[str, str]):
        self.channels = {d: grpc.insecure_channel(a) for d, a in addresses.items()}
        self.registers = {d: Register(d, channel) for d, channel in self.channels.items()}

    def __getattr__(self, department: str) -> Register:
        try:
            return self.registers[department]
        except KeyError:
            raise AttributeError(department) from None

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


class Operator:
    """The Operations API with the local suite's operator credential: `operator.Replay(request)`."""

    metadata = (("authorization", f"Bearer {DEV_OPERATOR_TOKEN}"),)

    def __init__(self, address: str):
        self.channel = grpc.insecure_channel(address)
        self.stub = operations_pb2_grpc.OperationsStub(self.channel)

    def __getattr__(self, method):
        call = getattr(self.stub, method)
        return lambda request: call(request, metadata=self.metadata, timeout=60)

    def close(self) -> None:
        self.channel.close()
