"""nameko entrypoints of the tax bureau."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import tax_pb2 as pb
from lifeevents.departments.v1 import tax_pb2_grpc as pb_grpc
from services.common.nameko_glue import (
    AnswersLookups, DepartmentProvider, ResultPublisher, as_message, decide, handles_commands)
from services.tax.domain import Tax

grpc = Grpc.implementing(pb_grpc.TaxRegisterStub)


class TaxService(AnswersLookups):
    name = "tax"
    department = DepartmentProvider(Tax)
    results = ResultPublisher()

    @handles_commands("tax")
    def on_command(self, body):
        self.results.send(decide(self.department, body))

    @grpc
    def GetTaxpayer(self, request, context):
        return as_message(self.department.taxpayer(request.credit_code), pb.Taxpayer,
                          f"taxpayer {request.credit_code!r}")
