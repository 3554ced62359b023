"""nameko entrypoints of the housing provident fund centre."""

from lifeevents.departments.v1 import housing_fund_pb2 as pb
from lifeevents.departments.v1 import housing_fund_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message
from services.housing_fund.domain import HousingFund

grpc = ServiceGrpc.implementing(pb_grpc.HousingFundRegisterStub)


class HousingFundService(AnswersLookups, ServesCases):
    name = "housing_fund"
    department = DepartmentRegister(HousingFund)  # the domain over its register
    results = ResultPublisher()
    faults = FaultInjection()  # no rules unless the config names a faults file

    @grpc
    def GetEmployerAccount(self, request, context):
        return as_message(self.department.employer(request.credit_code), pb.EmployerAccount,
                          f"housing fund account of {request.credit_code!r}")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
