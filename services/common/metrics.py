"""A department's Prometheus metrics (served by lifeevents.observability.serve_metrics)."""
from prometheus_client import Counter, Histogram

COMMAND_SECONDS = Histogram("lifeevents_department_command_seconds",
                            "Time to decide a step command, per department, action and outcome",
                            ["department", "action", "outcome"],
                            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
DEAD_LETTERS = Counter("lifeevents_department_dead_letters_total", "Commands a department gave up on", ["department"])
CASES = Counter("lifeevents_department_cases_total", "What officers did with cases of the worklist",
                ["department", "event"])
EVENTS_PUBLISHED = Counter("lifeevents_department_events_published_total",
                           "Department events published from the outbox (proactive service)", ["department", "type"])
