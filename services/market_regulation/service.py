"""nameko entrypoints of market regulation."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import market_regulation_pb2 as pb
from lifeevents.departments.v1 import market_regulation_pb2_grpc as pb_grpc
from services.common.nameko_glue import (
    AnswersLookups, DepartmentProvider, ResultPublisher, as_message, decide, handles_commands)
from services.market_regulation.domain import MarketRegulation

grpc = Grpc.implementing(pb_grpc.MarketRegisterStub)


class MarketRegulationService(AnswersLookups):
    name = "market_regulation"
    department = DepartmentProvider(MarketRegulation)
    results = ResultPublisher()

    @handles_commands("market_regulation")
    def on_command(self, body):
        self.results.send(decide(self.department, body))

    @grpc
    def GetCompany(self, request, context):
        return as_message(self.department.company(request.credit_code), pb.Company,
                          f"company {request.credit_code!r}")
