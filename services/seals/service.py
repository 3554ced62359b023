"""nameko entrypoints of seal management."""
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import seals_pb2 as pb
from lifeevents.departments.v1 import seals_pb2_grpc as pb_grpc
from services.common.nameko_glue import DepartmentService, as_message
from services.seals.domain import Seals

grpc = Grpc.implementing(pb_grpc.SealRegisterStub)


class SealsService(DepartmentService):
    name = "seals"
    domain = Seals

    @grpc
    def GetSealSet(self, request, context):
        return as_message(self.department.seal_set(request.credit_code), pb.SealSet,
                          f"seals of {request.credit_code!r}")
