"""`lifeevents followups ...`: the follow-ups of bad ratings (好差评), a client of the coordinator's
Operations API like the rest of `lifeevents` (lifeevents/cli.py), with an operator's token; and the
rating lines of `lifeevents stats`.

    lifeevents followups list [--state open|closed|overdue] [--bundle B] [--page-size N] [--page TOKEN]
    lifeevents followups close FOLLOW_UP_ID --rectification TEXT
"""
from __future__ import annotations

import datetime as dt

from lifeevents.v1 import operations_pb2 as ops

LEVELS = ("VERY_SATISFIED", "SATISFIED", "BASICALLY_SATISFIED", "DISSATISFIED", "VERY_DISSATISFIED")


def _day(timestamp) -> str:
    return timestamp.ToDatetime(dt.timezone.utc).strftime("%Y-%m-%d %H:%M") if timestamp.seconds else ""


def _levels(counts) -> str:
    return ", ".join(f"{level} {counts[level]}" for level in LEVELS if counts.get(level)) or "none"


def rating_lines(b: ops.BundleStatistics) -> list[str]:
    """The rating distribution (the bundle's, each department's) and the follow-ups, for `stats`."""
    if not b.ratings and not b.follow_ups_open and not b.follow_ups_closed:
        return []
    lines = [f"  ratings: {_levels(b.ratings)}"]
    lines += [f"    {d.department}: {_levels(d.ratings)}" for d in b.department_ratings]
    lines.append(f"  follow-ups: open {b.follow_ups_open} (overdue {b.follow_ups_overdue}), closed "
                 f"{b.follow_ups_closed}; rectification rate {b.rectification_rate:.0%}")
    return lines


def follow_ups(args, stub, call, emit, table) -> None:
    if args.action == "close":
        closed = stub.CloseFollowUp(ops.CloseFollowUpRequest(follow_up_id=args.follow_up_id,
                                                             rectification=args.rectification), **call)
        emit(args, closed, f"follow-up {closed.follow_up_id} closed by {closed.closed_by} at {_day(closed.closed_at)}")
        return
    listed = stub.ListFollowUps(ops.ListFollowUpsRequest(state=args.state, bundle=args.bundle,
                                                         page_size=args.page_size, page_token=args.page), **call)
    rows = [[f.follow_up_id, f.application_id, f.bundle, f.level,
             ", ".join(f"{s} {v}" for s, v in sorted(f.step_levels.items())), _day(f.opened_at),
             "OVERDUE" if f.overdue else ("closed " + _day(f.closed_at) if f.closed_at.seconds else "open"),
             f.comment[:40]] for f in listed.follow_ups]
    text = table(rows, ["follow-up", "application", "bundle", "level", "steps", "opened (UTC)", "state", "comment"])
    if listed.next_page_token:
        text += f"\n{listed.total} in all; next page: --page {listed.next_page_token}"
    emit(args, listed, text)


def add_commands(commands, emit, table) -> None:
    """`followups list|close` on the main parser's subcommands."""
    parser = commands.add_parser("followups", help="follow-ups of bad ratings (好差评): list, close")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="oldest first; open ones past 15 days are OVERDUE")
    listing.add_argument("--state", default="", choices=["", "open", "closed", "overdue"])
    listing.add_argument("--bundle", default="")
    listing.add_argument("--page-size", type=int, default=50)
    listing.add_argument("--page", default="", help="a page token from an earlier listing")
    closing = actions.add_parser("close", help="close one with the rectification made (recorded as yours)")
    closing.add_argument("follow_up_id")
    closing.add_argument("--rectification", required=True)
    for action in (listing, closing):
        action.set_defaults(func=lambda args, stub, call: follow_ups(args, stub, call, emit, table))
