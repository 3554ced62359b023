"""`lifeevents`: the operators' command line, a client of the coordinator's Operations API (it
imports nothing of the coordinator), and the local suite's token maker.

    lifeevents token --as SUBJECT [--role citizen|agent|officer|operator|admin] [--department D]
    lifeevents list [--bundle B] [--status S] [--department D] [--overdue]
    lifeevents queue [--department D] [--overdue]
    lifeevents timeline APPLICATION_ID --reason TEXT
    lifeevents replay APPLICATION_ID (--version N | --at ISO-TIME) --reason TEXT     (admins)
    lifeevents rebuild                                                               (admins)
    lifeevents retry|skip APPLICATION_ID STEP --reason TEXT
    lifeevents dead-letters [--requeue MESSAGE_ID]
    lifeevents stats [--bundle B]
    lifeevents what-if APPLICATION_ID BUNDLE_FILE                                    (admins)
    lifeevents verify-access-log                                                     (admins)
    lifeevents officer queue|claim|approve|reject|return ... --department D          (officers)
    lifeevents frontdesk queue|accept|return ...                                     (front desk officers)
    lifeevents followups list [--state open|closed|overdue] | close ID --rectification TEXT
    lifeevents migrate

`migrate` is the one command that is not an API call: it creates every table (the event store's,
the coordinator's projections, the departments' registers in PostgreSQL) by running
`python -m saga migrate` and `python -m services.migrate` with the same environment, before any
instance starts. `officer` is an officer's worklist in their department (lifeevents/officer_cli.py): a
client of the department's Cases API, not of the coordinator, with the officer's own token;
`frontdesk` is the front desk's (lifeevents/front_desk_cli.py), a client of the coordinator's FrontDesk API.

`--json` prints machine-readable output. The address comes from --address or
LIFEEVENTS_GRPC_ADDRESS (LIFEEVENTS_TLS_CA: the certificate to trust, for a coordinator serving
TLS); the credential from --token or LIFEEVENTS_TOKEN, or, for a local suite, a token the command
mints from the suite's development key (`LIFEEVENTS_DATA_DIR`, default ./var): an operator's, an
admin's for the admin commands. With LIFEEVENTS_ENV=production nothing is minted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import grpc
from google.protobuf import json_format

from lifeevents.client import channel
from lifeevents import followups_cli, front_desk_cli, officer_cli
from lifeevents.identity import BadSubject, DevIdentityProvider, Role
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from lifeevents.v1 import operations_pb2_grpc as ops_grpc

ADMIN_COMMANDS = ("replay", "rebuild", "what-if", "verify-access-log")


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _when(timestamp) -> str:
    return timestamp.ToDatetime(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if timestamp.seconds else ""


class ProgressBar:
    """A progress bar on stderr, redrawn in place."""

    def __init__(self, width: int = 40):
        self.width = width

    def show(self, done: int, total: int, seconds: float) -> None:
        filled = int(self.width * done / total) if total else self.width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} events {seconds:.1f}s")
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\n")


def _emit(args, message, text: str) -> None:
    print(json_format.MessageToJson(message, ensure_ascii=False) if args.json else text)


def list_applications(args, stub, call) -> None:
    response = stub.ListApplications(ops.ListApplicationsRequest(
        bundle=args.bundle, status=args.status, department=args.department, overdue_only=args.overdue,
        page_size=args.page_size, page_token=args.page), **call)
    rows = [[a.application_id, a.bundle, a.status, _when(a.submitted_at), "yes" if a.overdue else "",
             ",".join(a.pending_steps)] for a in response.applications]
    more = f"\n{len(rows)} of {response.total}" + (f"; next page: --page {response.next_page_token}"
                                                     if response.next_page_token else "")
    _emit(args, response, _table(rows, ["application", "bundle", "status", "submitted", "overdue", "pending"]) + more)


def queue(args, stub, call) -> None:
    response = stub.ListPendingSteps(ops.ListPendingStepsRequest(department=args.department,
                                                                 overdue_only=args.overdue), **call)
    rows = [[p.department, p.application_id, p.step, _when(p.since), _when(p.overdue_since)] for p in response.steps]
    counts = ", ".join(f"{d} {n}" for d, n in sorted(response.per_department.items())) or "nothing pending"
    _emit(args, response, _table(rows, ["department", "application", "step", "sent", "overdue since"])
          + f"\npending per department: {counts}")


def timeline(args, stub, call) -> None:
    history = stub.GetHistory(ops.GetHistoryRequest(application_id=args.application_id, reason=args.reason), **call)
    rows = [[e.version, _when(e.occurred_at), e.type, e.step, e.department, e.operator] for e in history.events]
    _emit(args, history, f"{history.bundle} {history.application_id}\n"
          + _table(rows, ["#", "time (UTC)", "event", "step", "department", "operator"]))


def replay(args, stub, call) -> None:
    request = ops.ReplayRequest(application_id=args.application_id, reason=args.reason)
    if args.version is not None:
        request.version = args.version
    else:
        request.at.FromDatetime(dt.datetime.fromisoformat(args.at))
    application = stub.Replay(request, **call)
    rows = [[s.id, s.department, _status(s.status), s.reason] for s in application.steps]
    _emit(args, application, f"{application.bundle} {application.application_id} at version "
          f"{application.version}: {_app_status(application.status)}\n"
          + _table(rows, ["step", "department", "status", "reason"]))


def rebuild(args, stub, call) -> None:
    bar = ProgressBar() if not args.json else None
    last = None
    for progress in stub.RebuildProjections(ops.RebuildProjectionsRequest(), **call):
        last = progress
        if bar:
            bar.show(progress.applied, progress.total, progress.seconds)
    if bar:
        bar.finish()
    _emit(args, last, f"rebuilt the read models from {last.total} events in {last.seconds:.2f}s")


def step_action(args, stub, call) -> None:
    act = stub.RetryStep if args.command == "retry" else stub.SkipStep
    application = act(ops.StepActionRequest(application_id=args.application_id, step=args.step,
                                            reason=args.reason), **call)
    _emit(args, application, f"{args.command}: {args.step}; the application is now {_app_status(application.status)}")


def dead_letters(args, stub, call) -> None:
    if args.requeue:
        response = stub.RequeueDeadLetter(ops.RequeueDeadLetterRequest(message_id=args.requeue), **call)
        _emit(args, response, f"requeued {args.requeue}")
        return
    response = stub.ListDeadLetters(ops.ListDeadLettersRequest(), **call)
    rows = [[d.message_id, d.application_id, d.step, d.consumer, d.deliveries, d.error[:60]]
            for d in response.dead_letters]
    _emit(args, response, _table(rows, ["message", "application", "step", "consumer", "deliveries", "error"]))


def stats(args, stub, call) -> None:
    statistics = stub.GetStatistics(ops.GetStatisticsRequest(bundle=args.bundle), **call)
    lines = []
    for b in statistics.bundles:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(b.by_status.items())) or "none yet"
        lines.append(f"{b.bundle}: {counts}; completed in median {b.durations.median_s:.2f}s, "
                     f"p90 {b.durations.p90_s:.2f}s over {b.durations.count}")
        for s in b.steps:
            lines.append(f"  {s.step}: median {s.durations.median_s:.3f}s, p90 {s.durations.p90_s:.3f}s "
                         f"({s.durations.count})")
        for r in b.reductions:
            lines.append(f"  {r.measure}: {r.separately:g} separately, {r.bundled:g} bundled "
                         f"(-{r.reduction_percent:.0f}%)")
        if b.offers_made:
            typed = ", ".join(f"{path} {median:g}" for path, median in sorted(b.typed_fields_median.items()))
            lines.append(f"  proactive: {b.proactive_share:.0%} of started applications began as an offer; "
                         f"offers made {b.offers_made}, expired {b.offers_expired}, declined {b.offers_declined}; "
                         f"fields typed (median): {typed}; event to last result: median "
                         f"{b.event_to_last_result.median_s:.2f}s, p90 {b.event_to_last_result.p90_s:.2f}s "
                         f"over {b.event_to_last_result.count}")
        lines += followups_cli.rating_lines(b)  # 好差评: the distribution and the follow-ups
    _emit(args, statistics, "\n".join(lines))


def what_if(args, stub, call) -> None:
    response = stub.WhatIf(ops.WhatIfRequest(application_id=args.application_id,
                                             bundle_yaml=args.bundle_file.read_text(encoding="utf-8")), **call)
    text = [f"recorded: {response.recorded_status}: " + " -> ".join(response.recorded_path),
            f"what if:  {response.what_if_status}: " + " -> ".join(response.what_if_path)]
    text += [f"  - {d}" for d in response.differences] or ["  no difference"]
    _emit(args, response, "\n".join(text))


def verify_access_log(args, stub, call) -> None:
    result = stub.VerifyAccessLog(ops.VerifyAccessLogRequest(), **call)
    text = f"data-access log: {result.chains} people's chains, {result.entries} entries: "
    if result.intact:
        text += "every link holds"
    else:
        text += (f"BROKEN at entry {result.broken.position} of {result.broken.subject}'s log: "
                 f"{result.broken.problem}")
    _emit(args, result, text)
    if not result.intact:
        raise SystemExit(2)


def make_token(args) -> None:
    """Print a token of the local suite's development identity provider."""
    provider = _local_provider()
    try:
        print(provider.issue(args.subject, Role(args.role), department=args.department, name=args.name,
                             lifetime=dt.timedelta(minutes=args.minutes)))
    except BadSubject as err:
        raise SystemExit(f"lifeevents token: {err}") from None


def _local_provider() -> DevIdentityProvider:
    if (os.environ.get("LIFEEVENTS_ENV") or "").strip().lower() == "production":
        raise SystemExit("lifeevents: LIFEEVENTS_ENV=production refuses development tokens; "
                         "pass --token (or LIFEEVENTS_TOKEN) from your identity provider")
    return DevIdentityProvider(Path(os.environ.get("LIFEEVENTS_DATA_DIR") or "var") / "identity")


def credential(args) -> str:
    """--token, LIFEEVENTS_TOKEN, or one minted for the local suite (an admin's for admin commands)."""
    if args.token:
        return args.token
    role = Role.ADMIN if args.command in ADMIN_COMMANDS else Role.OPERATOR
    return _local_provider().issue(f"local-{role.value}", role)


# Each part of the suite creates its own tables; this command runs them in turn (it imports neither).
MIGRATIONS = (("-m", "saga", "migrate"), ("-m", "services.migrate"))


def migrate(args) -> None:
    for command in MIGRATIONS:
        subprocess.run([sys.executable, *command], check=True)


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="lifeevents", description="Operate the life-events suite.")
    main_parser.add_argument("--address", default=os.environ.get("LIFEEVENTS_GRPC_ADDRESS") or "127.0.0.1:50051")
    main_parser.add_argument("--token", default=os.environ.get("LIFEEVENTS_TOKEN") or "",
                             help="a bearer token (default: LIFEEVENTS_TOKEN, or one minted for the local suite)")
    main_parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = main_parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a token of the local suite's development identity provider")
    token.set_defaults(func=make_token, local=True)
    token.add_argument("--as", dest="subject", required=True,
                       help="who: a resident ID for a citizen or agent, a staff id otherwise")
    token.add_argument("--role", default=Role.CITIZEN.value,
                       choices=[r.value for r in Role])
    token.add_argument("--department", default="", help="an officer's department, or front_desk")
    token.add_argument("--name", default="", help="a display name")
    token.add_argument("--minutes", type=int, default=60, help="lifetime (default 60)")
    listing = commands.add_parser("list", help="applications, newest first")
    listing.set_defaults(func=list_applications)
    listing.add_argument("--bundle", default="")
    listing.add_argument("--status", default="")
    listing.add_argument("--department", default="")
    listing.add_argument("--overdue", action="store_true")
    listing.add_argument("--page-size", type=int, default=50)
    listing.add_argument("--page", default="", help="a page token from an earlier listing")
    pending = commands.add_parser("queue", help="pending steps per department, oldest first")
    pending.set_defaults(func=queue)
    pending.add_argument("--department", default="")
    pending.add_argument("--overdue", action="store_true")
    for name in ("timeline", "history"):
        history = commands.add_parser(name, help="every event of one application, personal data masked")
        history.set_defaults(func=timeline)
        history.add_argument("application_id")
        history.add_argument("--reason", required=True, help="why you read it (recorded for the people concerned)")
    replaying = commands.add_parser("replay", help="an application as it was at a version or a moment")
    replaying.set_defaults(func=replay)
    replaying.add_argument("application_id")
    as_of = replaying.add_mutually_exclusive_group(required=True)
    as_of.add_argument("--version", type=int)
    as_of.add_argument("--at", help="ISO time, e.g. 2026-11-23T10:00:00+08:00")
    replaying.add_argument("--reason", required=True, help="why you replay it (recorded for the people concerned)")
    commands.add_parser("rebuild", help="drop the read models and rebuild them from the log").set_defaults(func=rebuild)
    for name in ("retry", "skip"):
        action = commands.add_parser(name, help=f"{name} a failed or stuck step")
        action.set_defaults(func=step_action)
        action.add_argument("application_id")
        action.add_argument("step")
        action.add_argument("--reason", required=True)
    letters = commands.add_parser("dead-letters", help="list the dead-letter queue, or requeue one")
    letters.set_defaults(func=dead_letters)
    letters.add_argument("--requeue", metavar="MESSAGE_ID")
    statistics = commands.add_parser("stats", help="counts, durations and reductions per bundle")
    statistics.set_defaults(func=stats)
    statistics.add_argument("--bundle", default="")
    whatif = commands.add_parser("what-if", help="an application's path under another bundle definition")
    whatif.set_defaults(func=what_if)
    whatif.add_argument("application_id")
    whatif.add_argument("bundle_file", type=Path)
    commands.add_parser("verify-access-log", help="check every link of the data-access log").set_defaults(
        func=verify_access_log)
    commands.add_parser("migrate", help="create every table, before instances start").set_defaults(
        func=migrate, local=True)
    officer_cli.add_commands(commands, _local_provider)
    front_desk_cli.add_commands(commands, _local_provider)
    followups_cli.add_commands(commands, _emit, _table)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "local", False):  # no call to the coordinator: no connection, no credential of its
        try:
            return args.func(args) or 0
        except subprocess.CalledProcessError as err:
            print(f"lifeevents: {' '.join(err.cmd[1:])} failed with code {err.returncode}", file=sys.stderr)
            return 1
    connection = channel(args.address)
    call = dict(metadata=(("authorization", f"Bearer {credential(args)}"),), timeout=600)
    try:
        args.func(args, ops_grpc.OperationsStub(connection), call)
        return 0
    except grpc.RpcError as err:
        print(f"lifeevents: {err.code().name}: {err.details()}", file=sys.stderr)
        return 1
    finally:
        connection.close()


def _status(value: int) -> str:
    return pb.Step.Status.Name(value)


def _app_status(value: int) -> str:
    return pb.Application.Status.Name(value)


if __name__ == "__main__":
    sys.exit(main())
