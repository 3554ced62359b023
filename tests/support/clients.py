"""Test clients of the running suite: the Applications API and the departments' query APIs."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field

import grpc
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from lifeevents.departments.v1 import civil_registration_pb2, civil_registration_pb2_grpc
from lifeevents.departments.v1 import health_pb2, health_pb2_grpc
from lifeevents.departments.v1 import market_regulation_pb2, market_regulation_pb2_grpc
from lifeevents.departments.v1 import seals_pb2, seals_pb2_grpc
from lifeevents.departments.v1 import medical_insurance_pb2, medical_insurance_pb2_grpc
from lifeevents.departments.v1 import social_security_pb2, social_security_pb2_grpc
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "一二三小宇轩子涵欣怡浩然梓萱思雨俊杰雨桐诗琪嘉怡博文天佑安琪晨曦明轩"


def unique_child_name() -> str:
    rng = random.Random(uuid.uuid4().int)
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(3))


def newborn_form(**overrides) -> dict:
    """A valid newborn form for a seeded mother and a child no other test uses."""
    form = {
        "mother_id": "370202199205140022", "mother_name": "李秀英",
        "father_id": "370202199003070011", "father_name": "王建国",
        "child_name": unique_child_name(), "child_sex": "female",
        "birth_date": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
        "birth_hospital": "青岛市妇女儿童医院", "contact_phone": "13805320001",
        "mailing_address": "山东省青岛市市南区香港中路10号2单元301户",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def bad_request_fields(error: grpc.RpcError) -> dict[str, str]:
    """The field violations of a google.rpc.BadRequest carried in a gRPC error."""
    status = rpc_status.from_call(error)
    violations = {}
    for detail in status.details if status else ():
        request = error_details_pb2.BadRequest()
        if detail.Unpack(request):
            violations.update({v.field: v.description for v in request.field_violations})
    return violations


@dataclass
class ApplicantClient:
    address: str
    channel: grpc.Channel = field(init=False)

    def __post_init__(self):
        self.channel = grpc.insecure_channel(self.address)
        self.stub = pb_grpc.ApplicationsStub(self.channel)

    def submit(self, form: dict, bundle: str = "newborn", idempotency_key: str = "") -> str:
        struct = struct_pb2.Struct()
        struct.update(form)
        return self.stub.Submit(pb.SubmitRequest(bundle=bundle, form=struct, idempotency_key=idempotency_key),
                                timeout=10).application_id

    def get(self, application_id: str) -> pb.Application:
        return self.stub.Get(pb.GetRequest(application_id=application_id), timeout=10)

    def watch(self, application_id: str, timeout: float = 60) -> list[pb.ApplicationEvent]:
        return list(self.stub.Watch(pb.WatchRequest(application_id=application_id), timeout=timeout))

    def settle(self, application_id: str, timeout: float = 60) -> pb.Application:
        """Watch until the application is terminal, then return it."""
        self.watch(application_id, timeout)
        return self.get(application_id)

    def close(self):
        self.channel.close()


class DepartmentClients:
    """The departments' gRPC query APIs, through grpcio (they serve them with nameko-grpc)."""

    def __init__(self, addresses: dict[str, str]):
        self.channels = {d: grpc.insecure_channel(a) for d, a in addresses.items()}
        self.health = health_pb2_grpc.HealthRegisterStub(self.channels["health"])
        self.civil = civil_registration_pb2_grpc.CivilRegisterStub(self.channels["civil_registration"])
        self.medical = medical_insurance_pb2_grpc.MedicalInsuranceRegisterStub(self.channels["medical_insurance"])
        self.social = social_security_pb2_grpc.SocialSecurityRegisterStub(self.channels["social_security"])
        self.market = market_regulation_pb2_grpc.MarketRegisterStub(self.channels["market_regulation"])
        self.seals = seals_pb2_grpc.SealRegisterStub(self.channels["seals"])

    def birth_certificate(self, number: str):
        return self.health.GetBirthCertificate(health_pb2.BirthCertificateQuery(number=number), timeout=5)

    def vaccination_record(self, number: str):
        return self.health.GetVaccinationRecord(health_pb2.VaccinationRecordQuery(number=number), timeout=5)

    def person(self, resident_id: str):
        return self.civil.GetPerson(civil_registration_pb2.PersonQuery(resident_id=resident_id), timeout=5)

    def household(self, member_id: str):
        return self.civil.GetHousehold(civil_registration_pb2.HouseholdQuery(member_id=member_id), timeout=5)

    def enrolment(self, resident_id: str):
        return self.medical.GetEnrolment(medical_insurance_pb2.EnrolmentQuery(resident_id=resident_id), timeout=5)

    def card(self, resident_id: str):
        return self.social.GetCard(social_security_pb2.CardQuery(resident_id=resident_id), timeout=5)

    def company(self, credit_code: str):
        return self.market.GetCompany(market_regulation_pb2.CompanyQuery(credit_code=credit_code), timeout=5)

    def seal_set(self, credit_code: str):
        return self.seals.GetSealSet(seals_pb2.SealSetQuery(credit_code=credit_code), timeout=5)

    def close(self):
        for channel in self.channels.values():
            channel.close()
