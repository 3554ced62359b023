"""nameko entrypoints of the social security bureau."""

from lifeevents.departments.v1 import social_security_pb2 as pb
from lifeevents.departments.v1 import social_security_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message
from services.social_security.domain import SocialSecurity
from services.social_security.retirement import RetirementRules

grpc = ServiceGrpc.implementing(pb_grpc.SocialSecurityRegisterStub)


def with_statutory_rules(register) -> SocialSecurity:
    return SocialSecurity(register, rules=RetirementRules.from_file())


class SocialSecurityService(AnswersLookups, ServesCases):
    name = "social_security"
    department = DepartmentRegister(with_statutory_rules)  # the domain over its register
    results = ResultPublisher()
    faults = FaultInjection()  # no rules unless the config names a faults file

    @grpc
    def GetCard(self, request, context):
        return as_message(self.department.card(request.resident_id), pb.Card, f"card of {request.resident_id!r}")

    @grpc
    def GetSocialInsuranceEmployer(self, request, context):
        return as_message(self.department.employer(request.credit_code), pb.SocialInsuranceEmployer,
                          f"employer {request.credit_code!r}")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
