"""The benchmark's arithmetic: nearest-rank percentiles and the broker-bound limit."""
import math

from bench.figures import broker_limit, latency_summary, message_rate, percentile
from tests.support.fakes import shipped_bundles


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99)) == (50, 90, 99)
    assert percentile([7.0], 0.99) == 7.0 and math.isnan(percentile([], 0.5))
    assert latency_summary([0.010, 0.020, 0.030])["p50"] == 20.0


def test_a_message_costs_a_publish_and_a_consume():
    assert message_rate(1000, 1000) == 500
    assert broker_limit(2000, 2000, messages_per_bundle=10) == 100


def test_the_newborn_critical_path_is_three_steps():
    assert shipped_bundles().get("newborn").critical_path() == 3
