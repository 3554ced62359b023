"""nameko entrypoints of market regulation."""

from lifeevents.departments.v1 import market_regulation_pb2 as pb
from lifeevents.departments.v1 import market_regulation_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message
from services.market_regulation.domain import MarketRegulation

grpc = ServiceGrpc.implementing(pb_grpc.MarketRegisterStub)


class MarketRegulationService(AnswersLookups, ServesCases):
    name = "market_regulation"
    department = DepartmentRegister(MarketRegulation)  # the domain over its register
    results = ResultPublisher()
    faults = FaultInjection()  # no rules unless the config names a faults file

    @grpc
    def GetCompany(self, request, context):
        return as_message(self.department.company(request.credit_code), pb.Company,
                          f"company {request.credit_code!r}")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
