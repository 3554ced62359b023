"""nameko entrypoints of the social security bureau, and its daily retirement scan (events published
through the register's outbox)."""

from nameko.timer import timer

from lifeevents.callers import Role
from lifeevents.departments.v1 import social_security_pb2 as pb
from lifeevents.departments.v1 import social_security_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.events import EventRelay
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message
from services.social_security.domain import SocialSecurity
from services.social_security.retirement import RetirementRules

grpc = ServiceGrpc.implementing(pb_grpc.SocialSecurityRegisterStub)
operators = ServiceGrpc.implementing(pb_grpc.SocialSecurityRegisterStub, roles=(Role.OPERATOR, Role.ADMIN, Role.SERVICE))
HOUR_S = 3600


def with_statutory_rules(register) -> SocialSecurity:
    return SocialSecurity(register, rules=RetirementRules.from_file())


class SocialSecurityService(AnswersLookups, ServesCases):
    name = "social_security"
    department = DepartmentRegister(with_statutory_rules)  # the domain over its register
    results = ResultPublisher()
    events = EventRelay()  # the register's outbox, published to <prefix>.events
    faults = FaultInjection()  # no rules unless the config names a faults file

    @timer(interval=HOUR_S)
    def scan_daily(self):
        """The retirement scan, once a day by the department's clock: looked at every hour (a process
        restarted more often than daily still scans), done at the first look of each day."""
        if (scanned := self.department.scan_retirements_daily()) and scanned["published"]:
            self.events.wake()

    @operators
    def ScanRetirements(self, request, context):
        scanned = self.department.scan_retirements()
        if scanned["published"]:
            self.events.wake()
        return pb.ScanRetirementsResponse(**scanned)

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
