"""`lifeevents frontdesk ...`: the front desk (前台受理) from the command line, a client of the
coordinator's `lifeevents.v1.FrontDesk` (lifeevents/front_desk.py) with the front-desk officer's own token.

    lifeevents frontdesk queue  [--bundle B] [--as STAFF_ID]
    lifeevents frontdesk accept APPLICATION_ID [--as STAFF_ID]
    lifeevents frontdesk return APPLICATION_ID --field NAME=REASON [--field ...] [--as STAFF_ID]

The coordinator's address is the main --address; the credential --token or LIFEEVENTS_TOKEN, or, for a
local suite, a token minted from its development key for the officer named by --as (default
local-front-desk) of the front desk. `--json` prints each answer as JSON.
"""
from __future__ import annotations

import grpc
from google.protobuf import json_format

from lifeevents.client import bad_request_fields
from lifeevents.front_desk import FrontDeskClient
from lifeevents.identity import FRONT_DESK, BadSubject, Role
from lifeevents.officer_cli import _reasons, _when
from lifeevents.v1 import applications_pb2 as apb
from lifeevents.v1 import front_desk_pb2 as pb


def _queue_text(response: pb.ListQueueResponse) -> str:
    lines = [f"{q.application_id}  {q.bundle}  queued {_when(q.queued_at)} UTC  due {_when(q.due_at)} UTC"
             + (f"  returned {q.returns}x" if q.returns else "") for q in response.applications]
    more = f"; next page: --page {response.next_page_token}" if response.next_page_token else ""
    return "\n".join([*lines, f"{len(lines)} of {response.total} application(s) waiting for the front desk{more}"])


def _application_text(application: apb.Application) -> str:
    lines = [f"{application.application_id}  {application.bundle}: "
             f"{apb.Application.Status.Name(application.status)}  due {_when(application.due_at)} UTC"
             + (f" (paused {application.paused_hours:g} h)" if application.paused_hours else "")]
    lines += [f"  to correct: {name}: {why}" for name, why in sorted(application.returned.items())]
    if application.accepted_by:
        lines.append(f"  accepted by {application.accepted_by} at {_when(application.accepted_at)} UTC")
    return "\n".join(lines)


def run(args, local_provider) -> int:
    """One front-desk command against the coordinator."""
    try:
        token = args.token or local_provider().issue(args.officer, Role.OFFICER, department=FRONT_DESK)
    except BadSubject as err:
        raise SystemExit(f"lifeevents frontdesk: {err}") from None
    with FrontDeskClient(args.address, token) as desk:
        try:
            if args.action == "queue":
                answer = desk.queue(args.bundle, args.page_size, args.page)
                text = _queue_text(answer)
            else:
                answer = (desk.accept(args.application_id) if args.action == "accept" else
                          desk.return_for_correction(args.application_id, _reasons(args.field)))
                text = _application_text(answer)
        except grpc.RpcError as err:
            fields = "".join(f"\n  {field}: {why}" for field, why in bad_request_fields(err).items())
            print(f"lifeevents frontdesk {args.action}: {err.code().name}: {err.details()}{fields}")
            return 1
    print(json_format.MessageToJson(answer, ensure_ascii=False) if args.json else text)
    return 0


def add_commands(commands, local_provider) -> None:
    """`frontdesk` and its subcommands, on the main parser's subcommands."""
    desk = commands.add_parser("frontdesk", help="the front desk's queue, acceptance and returns (前台受理)")
    actions = desk.add_subparsers(dest="action", required=True)
    for name, text in (("queue", "the applications waiting for acceptance, oldest first"),
                       ("accept", "accept: the steps start"),
                       ("return", "back to the applicant for correction, a reason per field")):
        action = actions.add_parser(name, help=text)
        action.set_defaults(func=lambda args: run(args, local_provider), local=True)
        action.add_argument("--as", dest="officer", default="local-front-desk",
                            help="your staff id, for a token minted for the local suite (default local-front-desk)")
        if name == "queue":
            action.add_argument("--bundle", default="")
            action.add_argument("--page-size", type=int, default=50)
            action.add_argument("--page", default="", help="a page token from an earlier listing")
            continue
        action.add_argument("application_id")
        if name == "return":
            action.add_argument("--field", action="append", required=True, metavar="NAME=REASON",
                                help="a form field to correct and why; repeat for each")
