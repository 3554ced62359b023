"""`lifeevents officer ...`: a department officer's worklist from the command line, a client of the
department's `lifeevents.departments.v1.Cases` (lifeevents/officers.py) with the officer's own token.

    lifeevents officer queue   --department D [--as STAFF_ID]
    lifeevents officer claim   CASE_ID --department D [--as STAFF_ID]
    lifeevents officer approve CASE_ID --department D [--as STAFF_ID]
    lifeevents officer reject  CASE_ID --reason TEXT --department D [--as STAFF_ID]
    lifeevents officer return  CASE_ID --input NAME=REASON [--input ...] --department D [--as STAFF_ID]
    lifeevents officer finding APPLICATION_ID --commitment NAME --holds|--false --finding TEXT --department D

The department's address comes from --department-address, else LIFEEVENTS_<DEPARTMENT>_GRPC_ADDRESS or
its catalogue port on 127.0.0.1; the credential from --token or LIFEEVENTS_TOKEN, or, for a local suite,
a token minted from its development key for the officer named by --as (default local-officer) of the
department. `--json` prints each answer as JSON. `finding` (告知承诺: what an officer of the department that
verifies a commitment found) goes to the coordinator's lifeevents.v1.Commitments at --address instead.
"""
from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf import json_format

from lifeevents.client import ApplicantClient, bad_request_fields
from lifeevents.departments.v1 import cases_pb2 as pb
from lifeevents.v1 import commitments_pb2
from lifeevents.identity import BadSubject, Role
from lifeevents.officers import OfficerClient


def _when(timestamp) -> str:
    return timestamp.ToDatetime(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if timestamp.seconds else ""


def _case_text(case: pb.Case) -> str:
    lines = [f"case {case.case_id}: {pb.Case.State.Name(case.state)}  {case.bundle} {case.application_id} "
             f"step {case.step} ({case.action})",
             f"  why an officer: {'; '.join(case.reasons)}",
             f"  opened {_when(case.opened_at)} UTC, due {_when(case.due_at)} UTC{'  OVERDUE' if case.overdue else ''}"]
    if case.claimed_by:
        lines.append(f"  claimed by {case.claimed_by} at {_when(case.claimed_at)} UTC")
    lines += [f"  {name} = {value}" for name, value in sorted(case.inputs.items())]
    if case.decided_by:
        what = ", ".join(f"{k}={v}" for k, v in sorted(case.outputs.items())) or case.reason
        lines.append(f"  decided by {case.decided_by}: {case.outcome}: {what}")
    return "\n".join(lines)


def _queue_text(response: pb.ListCasesResponse) -> str:
    rows = [[c.case_id, c.application_id, c.step, pb.Case.State.Name(c.state), _when(c.opened_at),
             "yes" if c.overdue else "", c.claimed_by, "; ".join(c.reasons)[:60]] for c in response.cases]
    header = ["case", "application", "step", "state", "opened (UTC)", "overdue", "claimed by", "why an officer"]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    more = f"; next page: --page {response.next_page_token}" if response.next_page_token else ""
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows),
                      f"{len(rows)} of {response.total} open case(s){more}"])


def _reasons(pairs: list[str]) -> dict[str, str]:
    reasons = {}
    for pair in pairs:
        name, sep, why = pair.partition("=")
        if not sep:
            raise SystemExit(f"lifeevents: takes NAME=REASON, not {pair!r}")
        reasons[name.strip()] = why.strip()
    return reasons


def run(args, local_provider) -> int:
    """One officer command against the department's worklist."""
    try:
        token = args.token or local_provider().issue(args.officer, Role.OFFICER, department=args.department)
    except BadSubject as err:
        raise SystemExit(f"lifeevents officer: {err}") from None
    if args.action == "finding":
        return _finding(args, token)
    with OfficerClient(args.department, token, args.department_address) as officer:
        try:
            if args.action == "queue":
                answer = officer.cases(args.page_size, args.page)
                text = _queue_text(answer)
            else:
                act = {"claim": lambda: officer.claim(args.case_id),
                       "approve": lambda: officer.approve(args.case_id),
                       "reject": lambda: officer.reject(args.case_id, args.reason),
                       "return": lambda: officer.return_for_correction(args.case_id, _reasons(args.input))}
                answer = act[args.action]()
                text = _case_text(answer)
        except grpc.RpcError as err:
            fields = "".join(f"\n  {field}: {why}" for field, why in bad_request_fields(err).items())
            print(f"lifeevents officer {args.action}: {err.code().name}: {err.details()}{fields}")
            return 1
    print(json_format.MessageToJson(answer, ensure_ascii=False) if args.json else text)
    return 0


def _finding(args, token: str) -> int:
    """An officer's finding on a commitment, recorded by the coordinator."""
    with ApplicantClient(args.address, token) as client:
        try:
            answer = client.record_finding(args.application_id, args.commitment, args.holds, args.finding)
        except grpc.RpcError as err:
            fields = "".join(f"\n  {field}: {why}" for field, why in bad_request_fields(err).items())
            print(f"lifeevents officer finding: {err.code().name}: {err.details()}{fields}")
            return 1
    text = (f"commitment {answer.name} of {args.application_id}: {commitments_pb2.Commitment.Status.Name(answer.status)}"
            f"\n  found by {answer.found_by}: {answer.finding}")
    print(json_format.MessageToJson(answer, ensure_ascii=False) if args.json else text)
    return 0


def add_commands(commands, local_provider) -> None:
    """`officer` and its subcommands, on the main parser's subcommands."""
    officer = commands.add_parser("officer", help="a department officer's worklist (后台审批)")
    actions = officer.add_subparsers(dest="action", required=True)
    for name, text in (("queue", "the open cases, overdue first"), ("claim", "take a case, and see its inputs"),
                       ("approve", "the department's rules decide, recorded as yours"),
                       ("reject", "refuse, with your reason"), ("return", "back for correction, per input"),
                       ("finding", "what you found about a commitment (告知承诺): it holds, or it is false")):
        action = actions.add_parser(name, help=text)
        action.set_defaults(func=lambda args: run(args, local_provider), local=True)
        action.add_argument("--department", required=True, help="your department (bundles/departments.yaml)")
        action.add_argument("--as", dest="officer", default="local-officer",
                            help="your staff id, for a token minted for the local suite (default local-officer)")
        action.add_argument("--department-address", default="",
                            help="host:port of the department (default: LIFEEVENTS_<DEPARTMENT>_GRPC_ADDRESS, "
                                 "or its catalogue port)")
        if name == "queue":
            action.add_argument("--page-size", type=int, default=50)
            action.add_argument("--page", default="", help="a page token from an earlier listing")
            continue
        if name == "finding":
            action.add_argument("application_id")
            action.add_argument("--commitment", required=True, help="the commitment's name (e.g. no_debts)")
            holds = action.add_mutually_exclusive_group(required=True)
            holds.add_argument("--holds", dest="holds", action="store_true", help="the commitment is true")
            holds.add_argument("--false", dest="holds", action="store_false", help="the commitment is false")
            action.add_argument("--finding", required=True, help="what you found (shown to the applicant)")
            continue
        action.add_argument("case_id")
        if name == "reject":
            action.add_argument("--reason", required=True, help="why (shown to the applicant)")
        if name == "return":
            action.add_argument("--input", action="append", required=True, metavar="NAME=REASON",
                                help="an input to correct and why; repeat for each")

