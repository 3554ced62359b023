"""Test clients of the running suite beyond the applicant's: the departments' query APIs (to see
an effect in a register; they answer a service token only) and the Operations API as an operator
or an admin (tokens from the suite's development identity provider: tests/support/identity.py)."""
from __future__ import annotations

import importlib

import grpc
from google.protobuf import message_factory

# tests/unit imports newborn_form from here; new code imports it from deploy.sample_forms.
from deploy.sample_forms import newborn_form  # noqa: F401
from lifeevents.v1 import operations_pb2_grpc


class Register:
    """One department's query API (protos/lifeevents/departments/v1/<department>.proto), each rpc
    called with the request's fields as keywords: `register.GetPerson(resident_id=...)`."""

    def __init__(self, department: str, channel: grpc.Channel, token: str):
        self.metadata = (("authorization", f"Bearer {token}"),)
        messages = importlib.import_module(f"lifeevents.departments.v1.{department}_pb2")
        services = importlib.import_module(f"lifeevents.departments.v1.{department}_pb2_grpc")
        [service] = messages.DESCRIPTOR.services_by_name.values()
        self.stub = getattr(services, f"{service.name}Stub")(channel)
        self.requests = {m.name: message_factory.GetMessageClass(m.input_type) for m in service.methods}

    def __getattr__(self, method: str):
        if method not in self.requests:
            raise AttributeError(method)
        call = getattr(self.stub, method)
        return lambda **fields: call(self.requests[method](**fields), metadata=self.metadata, timeout=5)


class Registers:
    """Every department's query API, through grpcio (the departments serve them with nameko-grpc):
    `registers.civil_registration.GetPerson(resident_id=...)`."""

    def __init__(self, addresses: dict[str, str], service_token: str):
        self.channels = {d: grpc.insecure_channel(a) for d, a in addresses.items()}
        self.registers = {d: Register(d, channel, service_token) for d, channel in self.channels.items()}

    def __getattr__(self, department: str) -> Register:
        try:
            return self.registers[department]
        except KeyError:
            raise AttributeError(department) from None

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


class Operator:
    """The Operations API as whoever the token names (an operator, an admin): `operator.Replay(request)`."""

    def __init__(self, address: str, token: str):
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.channel = grpc.insecure_channel(address)
        self.stub = operations_pb2_grpc.OperationsStub(self.channel)

    def __getattr__(self, method):
        call = getattr(self.stub, method)
        return lambda request: call(request, metadata=self.metadata, timeout=60)

    def close(self) -> None:
        self.channel.close()
