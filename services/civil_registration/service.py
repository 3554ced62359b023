"""nameko entrypoints of civil registration: step commands over RabbitMQ, register queries over gRPC."""

from lifeevents.departments.v1 import civil_registration_pb2 as pb
from lifeevents.departments.v1 import civil_registration_pb2_grpc as pb_grpc
from services.civil_registration.domain import CivilRegistration
from services.common.cases import ServesCases
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message

grpc = ServiceGrpc.implementing(pb_grpc.CivilRegisterStub)


class CivilRegistrationService(AnswersLookups, ServesCases):
    name = "civil_registration"
    department = DepartmentRegister(CivilRegistration)  # the domain over its register
    results = ResultPublisher()
    faults = FaultInjection()  # no rules unless the config names a faults file

    @grpc
    def GetPerson(self, request, context):
        return as_message(self.department.person(request.resident_id), pb.Person, f"person {request.resident_id!r}")

    @grpc
    def GetHousehold(self, request, context):
        household = self.department.household(request.household_no, request.member_id)
        if household is not None:
            household = {**household, "members": [self.department.person(m) for m in household["members"]]}
        return as_message(household, pb.Household, f"household for {request.household_no or request.member_id!r}")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
