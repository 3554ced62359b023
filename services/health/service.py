"""nameko entrypoints of the health department: step commands over RabbitMQ, queries over gRPC."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import health_pb2 as pb
from lifeevents.departments.v1 import health_pb2_grpc as pb_grpc
from services.common.nameko_glue import DepartmentService, as_message
from services.health.domain import Health

grpc = Grpc.implementing(pb_grpc.HealthRegisterStub)


class HealthService(DepartmentService):
    name = "health"
    domain = Health

    @grpc
    def GetBirthCertificate(self, request, context):
        return as_message(self.department.birth_certificate(request.number), pb.BirthCertificate,
                          f"birth certificate {request.number!r}")

    @grpc
    def GetVaccinationRecord(self, request, context):
        record = self.department.vaccination_record(request.number, request.birth_certificate_no)
        return as_message(record, pb.VaccinationRecord,
                          f"vaccination record for {request.number or request.birth_certificate_no!r}")
