"""nameko entrypoints of the health department: step commands over RabbitMQ, queries over gRPC."""

from lifeevents.departments.v1 import health_pb2 as pb
from lifeevents.departments.v1 import health_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message
from services.health.domain import Health

grpc = ServiceGrpc.implementing(pb_grpc.HealthRegisterStub)


class HealthService(AnswersLookups, ServesCases):
    name = "health"
    department = DepartmentRegister(Health)  # the domain over its register
    results = ResultPublisher()
    faults = FaultInjection()  # no rules unless the config names a faults file

    @grpc
    def GetBirthCertificate(self, request, context):
        return as_message(self.department.birth_certificate(request.number), pb.BirthCertificate,
                          f"birth certificate {request.number!r}")

    @grpc
    def GetVaccinationRecord(self, request, context):
        record = self.department.vaccination_record(request.number, request.birth_certificate_no)
        return as_message(record, pb.VaccinationRecord,
                          f"vaccination record for {request.number or request.birth_certificate_no!r}")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
