"""Prometheus metrics: request counts and latencies by route template, index size.

Contract: labels are route *templates* (``/reports/{report_id}``), methods and status codes —
never ids, names or query strings — so ``/metrics`` holds no personal data. Each app owns its
own registry (no import-time singletons), so tests can build many apps.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """The metrics of one app."""

    def __init__(self, index_size: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shondhan_requests_total",
            "HTTP requests by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "shondhan_request_seconds",
            "HTTP request latency by route template and method.",
            ("route", "method"),
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.index_size = Gauge(
            "shondhan_index_reports",
            "Open reports in the real-time matching index.",
            registry=self.registry,
        )
        self.index_size.set_function(index_size)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
