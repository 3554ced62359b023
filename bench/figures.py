"""Pure arithmetic of the benchmark: percentiles and the broker-bound limit (unit-tested)."""
from __future__ import annotations

import math


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction in 0..1) of the values; NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    """p50, p90, p99 and max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"p50": percentile(ms, 0.50), "p90": percentile(ms, 0.90), "p99": percentile(ms, 0.99),
            "max": max(ms) if ms else math.nan}


def message_rate(publish_per_s: float, consume_per_s: float) -> float:
    """Messages per second the broker can carry when each is both published and consumed: the two
    costs add up per message."""
    return 1 / (1 / publish_per_s + 1 / consume_per_s)


def broker_limit(publish_per_s: float, consume_per_s: float, messages_per_bundle: int) -> float:
    """Bundles per second the broker alone would allow."""
    return message_rate(publish_per_s, consume_per_s) / messages_per_bundle
