"""A generic client with no project code: it learns the API by gRPC server reflection alone,
then reads the form (anonymously), submits the example as the mother it names (her token in the
metadata, as grpcurl -H would send it), sees an empty form refused and the valid one complete."""
import json
import pathlib
import time

import grpc
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

pytestmark = pytest.mark.e2e
EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "bundles" / "examples" / "newborn.json"


class ReflectionClient:
    def __init__(self, channel, token: str = ""):
        self.channel = channel
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.database = ProtoReflectionDescriptorDatabase(channel)
        self.pool = descriptor_pool.DescriptorPool(self.database)

    def services(self):
        return self.database.get_services()

    def call(self, service: str, method: str, request: dict, stream: bool = False):
        descriptor = self.pool.FindServiceByName(service).FindMethodByName(method)
        request_cls = message_factory.GetMessageClass(descriptor.input_type)
        response_cls = message_factory.GetMessageClass(descriptor.output_type)
        path = f"/{service}/{method}"
        make = self.channel.unary_stream if stream else self.channel.unary_unary
        rpc = make(path, request_serializer=request_cls.SerializeToString,
                   response_deserializer=response_cls.FromString)
        response = rpc(json_format.ParseDict(request, request_cls()), metadata=self.metadata, timeout=30)
        if stream:
            return [json_format.MessageToDict(m) for m in response]
        return json_format.MessageToDict(response)


def test_reflection_only_client_uses_the_whole_applicant_api(running_suite, tokens):
    values = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    with grpc.insecure_channel(running_suite.coordinator_address) as channel:
        client = ReflectionClient(channel, tokens.citizen(values["mother_id"]))
        assert {"lifeevents.v1.Applications", "grpc.health.v1.Health"} <= set(client.services())

        form = client.call("lifeevents.v1.Applications", "GetForm", {"bundle": "newborn"})
        assert {f["name"] for f in form["fields"]} >= {"mother_id", "child_name", "birth_date"}

        with pytest.raises(grpc.RpcError) as err:
            client.call("lifeevents.v1.Applications", "Submit", {"bundle": "newborn", "form": {}})
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        # The example is one fixed child; make it unique so this test can run against any register.
        values["child_name"] += f"{int(time.time() * 1000) % 100000}"
        submitted = client.call("lifeevents.v1.Applications", "Submit", {"bundle": "newborn", "form": values})
        application_id = submitted["applicationId"]
        events = client.call("lifeevents.v1.Applications", "Watch", {"applicationId": application_id}, stream=True)
        assert events[-1]["type"] == "Completed"
        application = client.call("lifeevents.v1.Applications", "Get", {"applicationId": application_id})
        assert application["status"] == "COMPLETED"
        assert len(application["steps"]) == 5


def test_reflection_only_client_sees_operations_refuse_a_call_without_a_credential(running_suite):
    with grpc.insecure_channel(running_suite.coordinator_address) as channel:
        client = ReflectionClient(channel)
        assert "lifeevents.v1.Operations" in client.services()
        for method, request in (("ListApplications", {}), ("GetHistory", {"applicationId": "x"})):
            with pytest.raises(grpc.RpcError) as err:
                client.call("lifeevents.v1.Operations", method, request)
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
