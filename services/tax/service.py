"""nameko entrypoints of the tax bureau."""

from lifeevents.departments.v1 import tax_pb2 as pb
from lifeevents.departments.v1 import tax_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message
from services.tax.domain import Tax

grpc = ServiceGrpc.implementing(pb_grpc.TaxRegisterStub)


class TaxService(AnswersLookups, ServesCases):
    name = "tax"
    department = DepartmentRegister(Tax)  # the domain over its register
    results = ResultPublisher()
    faults = FaultInjection()  # no rules unless the config names a faults file

    @grpc
    def GetTaxpayer(self, request, context):
        return as_message(self.department.taxpayer(request.credit_code), pb.Taxpayer,
                          f"taxpayer {request.credit_code!r}")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
