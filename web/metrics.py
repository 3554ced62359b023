"""The web front door's Prometheus metrics, served like every process's on LIFEEVENTS_METRICS_ADDRESS
(lifeevents/observability.py): requests by route (the route's pattern, never the path, which holds
ids) and status, their durations, the live pages (Server-Sent Events streams) open, and the answers
of the coordinator's APIs by method and status code."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

requests = Counter("lifeevents_web_requests_total", "HTTP requests answered, by route pattern, method and status",
                   ["route", "method", "status"])
request_seconds = Histogram("lifeevents_web_request_seconds", "Time to answer an HTTP request (until its first "
                            "byte for a live stream), by route pattern", ["route"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
live_streams = Gauge("lifeevents_web_live_streams", "Live application pages (Server-Sent Events relaying Watch) open")
api_answers = Counter("lifeevents_web_api_answers_total", "Answers of the coordinator's gRPC APIs to the web, by "
                      "method and status code", ["method", "code"])
