"""nameko entrypoints of seal management."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import seals_pb2 as pb
from lifeevents.departments.v1 import seals_pb2_grpc as pb_grpc
from services.common.nameko_glue import (
    AnswersLookups, DepartmentProvider, ResultPublisher, as_message, decide, handles_commands)
from services.seals.domain import Seals

grpc = Grpc.implementing(pb_grpc.SealRegisterStub)


class SealsService(AnswersLookups):
    name = "seals"
    department = DepartmentProvider(Seals)
    results = ResultPublisher()

    @handles_commands("seals")
    def on_command(self, body):
        self.results.send(decide(self.department, body))

    @grpc
    def GetSealSet(self, request, context):
        return as_message(self.department.seal_set(request.credit_code), pb.SealSet,
                          f"seals of {request.credit_code!r}")
