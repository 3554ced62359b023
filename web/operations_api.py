"""The web's port to the coordinator's Operations API (operators and admins), over the same grpc.aio
channel as the Applications API, with the signed-in operator's token on every call."""
from __future__ import annotations

import datetime as dt
from typing import Protocol

import grpc

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from lifeevents.v1 import operations_pb2_grpc as ops_grpc
from web.api import GrpcPort, api_error, bearer

REBUILD_TIMEOUT_S = 300


class OperationsPort(Protocol):
    async def list_applications(self, token: str, bundle: str = "", status: str = "", department: str = "",
                                overdue_only: bool = False, page_size: int = 20,
                                page_token: str = "") -> ops.ListApplicationsResponse: ...

    async def list_pending_steps(self, token: str, department: str = "", overdue_only: bool = False,
                                 limit: int = 100) -> ops.ListPendingStepsResponse: ...

    async def get_history(self, application_id: str, reason: str, token: str) -> ops.History: ...

    async def replay(self, application_id: str, reason: str, token: str, version: int = 0,
                     at: dt.datetime | None = None) -> pb.Application: ...

    async def retry_step(self, application_id: str, step: str, reason: str, token: str) -> pb.Application: ...

    async def skip_step(self, application_id: str, step: str, reason: str, token: str) -> pb.Application: ...

    async def list_dead_letters(self, token: str, limit: int = 100) -> list[ops.DeadLetter]: ...

    async def requeue_dead_letter(self, message_id: str, token: str) -> bool: ...

    async def get_statistics(self, token: str, bundle: str = "") -> ops.Statistics: ...

    async def list_follow_ups(self, token: str, state: str = "", page_size: int = 20,
                              page_token: str = "") -> ops.ListFollowUpsResponse: ...

    async def close_follow_up(self, follow_up_id: str, rectification: str, token: str) -> ops.FollowUp: ...

    async def rebuild_projections(self, token: str) -> ops.RebuildProgress: ...

    async def verify_access_log(self, token: str) -> ops.AccessLogVerification: ...


class GrpcOperations(GrpcPort):
    service = "Operations"

    def __init__(self, channel: grpc.aio.Channel):
        super().__init__(ops_grpc.OperationsStub(channel))

    async def list_applications(self, token: str, bundle: str = "", status: str = "", department: str = "",
                                overdue_only: bool = False, page_size: int = 20,
                                page_token: str = "") -> ops.ListApplicationsResponse:
        request = ops.ListApplicationsRequest(bundle=bundle, status=status, department=department,
                                              overdue_only=overdue_only, page_size=page_size, page_token=page_token)
        return await self._unary("ListApplications", request, token)

    async def list_pending_steps(self, token: str, department: str = "", overdue_only: bool = False,
                                 limit: int = 100) -> ops.ListPendingStepsResponse:
        request = ops.ListPendingStepsRequest(department=department, overdue_only=overdue_only, limit=limit)
        return await self._unary("ListPendingSteps", request, token)

    async def get_history(self, application_id: str, reason: str, token: str) -> ops.History:
        return await self._unary("GetHistory", ops.GetHistoryRequest(application_id=application_id, reason=reason),
                                 token)

    async def replay(self, application_id: str, reason: str, token: str, version: int = 0,
                     at: dt.datetime | None = None) -> pb.Application:
        request = ops.ReplayRequest(application_id=application_id, reason=reason)
        if at is not None:
            request.at.FromDatetime(at)
        else:
            request.version = version
        return await self._unary("Replay", request, token)

    async def retry_step(self, application_id: str, step: str, reason: str, token: str) -> pb.Application:
        request = ops.StepActionRequest(application_id=application_id, step=step, reason=reason)
        return await self._unary("RetryStep", request, token)

    async def skip_step(self, application_id: str, step: str, reason: str, token: str) -> pb.Application:
        request = ops.StepActionRequest(application_id=application_id, step=step, reason=reason)
        return await self._unary("SkipStep", request, token)

    async def list_dead_letters(self, token: str, limit: int = 100) -> list[ops.DeadLetter]:
        return list((await self._unary("ListDeadLetters", ops.ListDeadLettersRequest(limit=limit), token)).dead_letters)

    async def requeue_dead_letter(self, message_id: str, token: str) -> bool:
        request = ops.RequeueDeadLetterRequest(message_id=message_id)
        return (await self._unary("RequeueDeadLetter", request, token)).requeued

    async def get_statistics(self, token: str, bundle: str = "") -> ops.Statistics:
        return await self._unary("GetStatistics", ops.GetStatisticsRequest(bundle=bundle), token)

    async def list_follow_ups(self, token: str, state: str = "", page_size: int = 20,
                              page_token: str = "") -> ops.ListFollowUpsResponse:
        request = ops.ListFollowUpsRequest(state=state, page_size=page_size, page_token=page_token)
        return await self._unary("ListFollowUps", request, token)

    async def close_follow_up(self, follow_up_id: str, rectification: str, token: str) -> ops.FollowUp:
        request = ops.CloseFollowUpRequest(follow_up_id=follow_up_id, rectification=rectification)
        return await self._unary("CloseFollowUp", request, token)

    async def rebuild_projections(self, token: str) -> ops.RebuildProgress:
        """Rebuild the read models; the last progress message (done, with its figures)."""
        last = ops.RebuildProgress()
        try:
            async for progress in self.stub.RebuildProjections(ops.RebuildProjectionsRequest(), metadata=bearer(token),
                                                               timeout=REBUILD_TIMEOUT_S):
                last = progress
        except grpc.aio.AioRpcError as err:
            raise api_error("Operations/RebuildProjections", err) from None
        return last

    async def verify_access_log(self, token: str) -> ops.AccessLogVerification:
        return await self._unary("VerifyAccessLog", ops.VerifyAccessLogRequest(), token)
