"""nameko entrypoints of the medical insurance bureau."""

from lifeevents.departments.v1 import medical_insurance_pb2 as pb
from lifeevents.departments.v1 import medical_insurance_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message
from services.medical_insurance.domain import MedicalInsurance

grpc = ServiceGrpc.implementing(pb_grpc.MedicalInsuranceRegisterStub)


class MedicalInsuranceService(AnswersLookups, ServesCases):
    name = "medical_insurance"
    department = DepartmentRegister(MedicalInsurance)  # the domain over its register
    results = ResultPublisher()
    faults = FaultInjection()  # no rules unless the config names a faults file

    @grpc
    def GetEnrolment(self, request, context):
        return as_message(self.department.enrolment(request.resident_id), pb.Enrolment,
                          f"enrolment of {request.resident_id!r}")

    @grpc
    def GetMedicalInsuranceEmployer(self, request, context):
        return as_message(self.department.employer(request.credit_code), pb.MedicalInsuranceEmployer,
                          f"employer {request.credit_code!r}")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
