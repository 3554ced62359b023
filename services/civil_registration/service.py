"""nameko entrypoints of civil registration: step commands over RabbitMQ, register queries over gRPC."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import civil_registration_pb2 as pb
from lifeevents.departments.v1 import civil_registration_pb2_grpc as pb_grpc
from services.civil_registration.domain import CivilRegistration
from services.common.nameko_glue import DepartmentService, as_message

grpc = Grpc.implementing(pb_grpc.CivilRegisterStub)


class CivilRegistrationService(DepartmentService):
    name = "civil_registration"
    domain = CivilRegistration

    @grpc
    def GetPerson(self, request, context):
        return as_message(self.department.person(request.resident_id), pb.Person, f"person {request.resident_id!r}")

    @grpc
    def GetHousehold(self, request, context):
        household = self.department.household(request.household_no, request.member_id)
        if household is not None:
            household = {**household, "members": [self.department.person(m) for m in household["members"]]}
        return as_message(household, pb.Household, f"household for {request.household_no or request.member_id!r}")
