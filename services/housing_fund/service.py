"""nameko entrypoints of the housing provident fund centre."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import housing_fund_pb2 as pb
from lifeevents.departments.v1 import housing_fund_pb2_grpc as pb_grpc
from services.common.nameko_glue import (
    AnswersLookups, DepartmentProvider, ResultPublisher, as_message, decide, handles_commands)
from services.housing_fund.domain import HousingFund

grpc = Grpc.implementing(pb_grpc.HousingFundRegisterStub)


class HousingFundService(AnswersLookups):
    name = "housing_fund"
    department = DepartmentProvider(HousingFund)
    results = ResultPublisher()

    @handles_commands("housing_fund")
    def on_command(self, body):
        self.results.send(decide(self.department, body))

    @grpc
    def GetEmployerAccount(self, request, context):
        return as_message(self.department.employer(request.credit_code), pb.EmployerAccount,
                          f"housing fund account of {request.credit_code!r}")
