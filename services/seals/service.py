"""nameko entrypoints of seal management."""

from lifeevents.departments.v1 import seals_pb2 as pb
from lifeevents.departments.v1 import seals_pb2_grpc as pb_grpc
from services.common.cases import ServesCases
from services.common.messaging import ResultPublisher, decide, handles_commands
from services.common.providers import DepartmentRegister, FaultInjection
from services.common.queries import AnswersLookups, ServiceGrpc, as_message
from services.seals.domain import Seals

grpc = ServiceGrpc.implementing(pb_grpc.SealRegisterStub)


class SealsService(AnswersLookups, ServesCases):
    name = "seals"
    department = DepartmentRegister(Seals)  # the domain over its register
    results = ResultPublisher()
    faults = FaultInjection()  # no rules unless the config names a faults file

    @grpc
    def GetSealSet(self, request, context):
        return as_message(self.department.seal_set(request.credit_code), pb.SealSet,
                          f"seals of {request.credit_code!r}")

    @handles_commands
    def on_command(self, body, delivery):
        self.results.send(decide(self.department, body, delivery, self.faults, self.results.reply_to))
