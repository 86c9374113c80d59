"""What the daemon shows operations: Prometheus metrics on a registry of its own
(``PrometheusMetrics``) and the HTTP endpoint serving them with ``/healthz``
(``MetricsServer``)."""

from adapters.metrics.prometheus import PrometheusMetrics
from adapters.metrics.server import MetricsServer

__all__ = ["MetricsServer", "PrometheusMetrics"]
