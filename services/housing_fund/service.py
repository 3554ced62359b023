"""nameko entrypoints of the housing provident fund centre."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import housing_fund_pb2 as pb
from lifeevents.departments.v1 import housing_fund_pb2_grpc as pb_grpc
from services.common.nameko_glue import DepartmentService, as_message
from services.housing_fund.domain import HousingFund

grpc = Grpc.implementing(pb_grpc.HousingFundRegisterStub)


class HousingFundService(DepartmentService):
    name = "housing_fund"
    domain = HousingFund

    @grpc
    def GetEmployerAccount(self, request, context):
        return as_message(self.department.employer(request.credit_code), pb.EmployerAccount,
                          f"housing fund account of {request.credit_code!r}")
