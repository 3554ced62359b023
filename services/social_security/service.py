"""nameko entrypoints of the social security bureau."""
from pathlib import Path

import yaml
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import social_security_pb2 as pb
from lifeevents.departments.v1 import social_security_pb2_grpc as pb_grpc
from services.common.nameko_glue import DepartmentService, as_message
from services.social_security.domain import SocialSecurity
from services.social_security.retirement import RetirementRules


def with_rules(register) -> SocialSecurity:
    return SocialSecurity(register, rules=RetirementRules.from_data(yaml.safe_load(RULES.read_text(encoding="utf-8"))))

RULES = Path(__file__).with_name("retirement_rules.yaml")
grpc = Grpc.implementing(pb_grpc.SocialSecurityRegisterStub)


class SocialSecurityService(DepartmentService):
    name = "social_security"
    domain = with_rules

    @grpc
    def GetCard(self, request, context):
        return as_message(self.department.card(request.resident_id), pb.Card, f"card of {request.resident_id!r}")

    @grpc
    def GetSocialInsuranceEmployer(self, request, context):
        return as_message(self.department.employer(request.credit_code), pb.SocialInsuranceEmployer,
                          f"employer {request.credit_code!r}")
