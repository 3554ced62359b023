"""nameko entrypoints of market regulation."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import market_regulation_pb2 as pb
from lifeevents.departments.v1 import market_regulation_pb2_grpc as pb_grpc
from services.common.nameko_glue import DepartmentService, as_message
from services.market_regulation.domain import MarketRegulation

grpc = Grpc.implementing(pb_grpc.MarketRegisterStub)


class MarketRegulationService(DepartmentService):
    name = "market_regulation"
    domain = MarketRegulation

    @grpc
    def GetCompany(self, request, context):
        return as_message(self.department.company(request.credit_code), pb.Company,
                          f"company {request.credit_code!r}")
