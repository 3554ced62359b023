"""nameko entrypoints of the tax bureau."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import tax_pb2 as pb
from lifeevents.departments.v1 import tax_pb2_grpc as pb_grpc
from services.common.nameko_glue import DepartmentService, as_message
from services.tax.domain import Tax

grpc = Grpc.implementing(pb_grpc.TaxRegisterStub)


class TaxService(DepartmentService):
    name = "tax"
    domain = Tax

    @grpc
    def GetTaxpayer(self, request, context):
        return as_message(self.department.taxpayer(request.credit_code), pb.Taxpayer,
                          f"taxpayer {request.credit_code!r}")
