"""The operators' statistics (Operations/GetStatistics) as charts, in the page's language:
reductions per bundle against its published baseline (steps, materials, promised days, visits),
durations (median and 90th percentile per bundle, and per step of each bundle), applications by
status, and the ratings (好差评) per bundle by level."""
from __future__ import annotations

from typing import Mapping

from lifeevents.v1 import operations_pb2 as ops
from web.charts import Bar, Chart, Group
from web.i18n import Translator

STATUS_KINDS = {"COMPLETED": "ok", "IN_PROGRESS": "a", "COMPENSATING": "warn", "REJECTED": "bad", "FAILED": "bad",
                "OFFERED": "a", "DECLINED": "warn", "EXPIRED": "warn"}


def shown_seconds(seconds: float, t: Translator) -> str:
    """A duration as a person reads it: 40 ms, 2.4 s, 2.5 min, 3.2 h, 1.5 d."""
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1)):
        if seconds >= size:
            return t(f"stats.unit.{unit}", n=f"{seconds / size:.1f}")
    return t("stats.unit.milliseconds", n=f"{seconds * 1000:.0f}")


def shown_figure(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def reductions_chart(bundle: ops.BundleStatistics, name: str, t: Translator) -> Chart:
    groups = []
    for reduction in bundle.reductions:
        measure = t.maybe(f"stats.measure.{reduction.measure}", reduction.measure)
        groups.append(Group(t("stats.reduction_group", measure=measure,
                              percent=shown_figure(reduction.reduction_percent)), (
            Bar(t("stats.separately"), reduction.separately, shown_figure(reduction.separately), "b"),
            Bar(t("stats.bundled"), reduction.bundled, shown_figure(reduction.bundled), "ok"))))
    return Chart(f"reductions-{bundle.bundle}", t("stats.reductions_title", bundle=name),
                 t("stats.reductions_lead", bundle=name), tuple(groups), per_group_scale=True)


def durations_chart(bundles: list[ops.BundleStatistics], names: Mapping[str, str], t: Translator) -> Chart:
    groups = tuple(Group(t("stats.duration_group", bundle=names.get(b.bundle, b.bundle), count=b.durations.count), (
        Bar(t("stats.median"), b.durations.median_s, shown_seconds(b.durations.median_s, t), "a"),
        Bar(t("stats.p90"), b.durations.p90_s, shown_seconds(b.durations.p90_s, t), "b")))
        for b in bundles if b.durations.count)
    return Chart("durations", t("stats.durations_title"), t("stats.durations_lead"), groups)


def step_durations_chart(bundle: ops.BundleStatistics, name: str, step_names: Mapping[str, str],
                         t: Translator) -> Chart:
    groups = tuple(Group(t("stats.step_group", step=step_names.get(s.step, s.step), count=s.durations.count), (
        Bar(t("stats.median"), s.durations.median_s, shown_seconds(s.durations.median_s, t), "a"),
        Bar(t("stats.p90"), s.durations.p90_s, shown_seconds(s.durations.p90_s, t), "b")))
        for s in sorted(bundle.steps, key=lambda s: s.step) if s.durations.count)
    return Chart(f"steps-{bundle.bundle}", t("stats.steps_title", bundle=name), t("stats.steps_lead", bundle=name),
                 groups)


def status_totals(bundles: list[ops.BundleStatistics]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for bundle in bundles:
        for status, count in bundle.by_status.items():
            totals[status] = totals.get(status, 0) + count
    return totals


def status_chart(bundles: list[ops.BundleStatistics], names: Mapping[str, str], t: Translator) -> Chart:
    groups = []
    for bundle in bundles:
        if not bundle.by_status:
            continue
        groups.append(Group(names.get(bundle.bundle, bundle.bundle), tuple(
            Bar(t.maybe(f"status.application.{status}", status), count, str(count), STATUS_KINDS.get(status, "a"))
            for status, count in sorted(bundle.by_status.items()))))
    return Chart("by-status", t("stats.status_title"), t("stats.status_lead"), tuple(groups))


RATING_LEVELS = (("VERY_SATISFIED", "ok"), ("SATISFIED", "ok"), ("BASICALLY_SATISFIED", "a"),
                 ("DISSATISFIED", "warn"), ("VERY_DISSATISFIED", "bad"))


def ratings_chart(bundles: list[ops.BundleStatistics], names: Mapping[str, str], t: Translator) -> Chart:
    """How many ratings of each bundle gave each of the five levels, best first."""
    groups = tuple(Group(names.get(b.bundle, b.bundle), tuple(
        Bar(t(f"rating.{level}"), b.ratings.get(level, 0), str(b.ratings.get(level, 0)), kind)
        for level, kind in RATING_LEVELS)) for b in bundles if sum(b.ratings.values()))
    return Chart("ratings", t("stats.ratings_title"), t("stats.ratings_lead"), groups)
