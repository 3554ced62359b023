"""nameko entrypoints of the health department: step commands over RabbitMQ, queries over gRPC, and
births recorded by hospitals (published as events through the register's outbox)."""
import datetime as dt

from lifeevents.callers import Role
from lifeevents.departments.v1 import health_pb2 as pb
from lifeevents.departments.v1 import health_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.domain import InvalidFields
from services.common.events import EventRelay
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message, caller_of, invalid_fields
from services.health.domain import Health

grpc = ServiceGrpc.implementing(pb_grpc.HealthRegisterStub)
hospitals = ServiceGrpc.implementing(pb_grpc.HealthRegisterStub, roles=(Role.HOSPITAL,))


class HealthService(AnswersLookups, ServesCases):
    name = "health"
    department = DepartmentRegister(Health)  # the domain over its register
    results = ResultPublisher()
    events = EventRelay()  # the register's outbox, published to <prefix>.events
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

    @hospitals
    def RecordBirth(self, request, context):
        hospital = caller_of(context.invocation_metadata())
        born_at = request.born_at.ToDatetime(dt.timezone.utc) if request.HasField("born_at") else None
        try:
            record = self.department.record_birth(request.mother_id, born_at, request.sex, request.hospital,
                                                  request.birth_weight_grams, hospital.subject,
                                                  dt.datetime.now(dt.timezone.utc))
        except InvalidFields as err:
            raise invalid_fields(err) from None
        self.events.wake()
        return as_message(record, pb.BirthRecord, "birth record")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
