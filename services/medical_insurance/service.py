"""nameko entrypoints of the medical insurance bureau."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import medical_insurance_pb2 as pb
from lifeevents.departments.v1 import medical_insurance_pb2_grpc as pb_grpc
from services.common.nameko_glue import DepartmentService, as_message
from services.medical_insurance.domain import MedicalInsurance

grpc = Grpc.implementing(pb_grpc.MedicalInsuranceRegisterStub)


class MedicalInsuranceService(DepartmentService):
    name = "medical_insurance"
    domain = MedicalInsurance

    @grpc
    def GetEnrolment(self, request, context):
        return as_message(self.department.enrolment(request.resident_id), pb.Enrolment,
                          f"enrolment of {request.resident_id!r}")

    @grpc
    def GetMedicalInsuranceEmployer(self, request, context):
        return as_message(self.department.employer(request.credit_code), pb.MedicalInsuranceEmployer,
                          f"employer {request.credit_code!r}")
