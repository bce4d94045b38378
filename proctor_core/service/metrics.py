"""Prometheus metrics (prometheus-client): ``GET /metrics`` (docs/operations.md, "Metrics").

Counters and histograms are counted in the web processes by :class:`MetricsMiddleware` and the frame view; under
gunicorn each worker writes them to ``PROMETHEUS_MULTIPROC_DIR`` (``proctor web`` sets one up) and a scrape adds
them up. Gauges of the service's state (open sessions, the grade outbox, heartbeats) are read from the database
at scrape time, so every app server reports the same, whole-service values.

``/metrics`` is not public: it answers only a request made directly on the loopback interface (no proxy header),
or one carrying ``Authorization: Bearer $PROCTOR_METRICS_TOKEN``; ``PROCTOR_METRICS=0`` turns it off.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from ipaddress import ip_address

from django.apps import apps
from django.db import DatabaseError
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from proctor_core.service.conf import proctor_settings

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OBSERVATION_ROUTES = {"proctor_api:frames": "frame", "proctor_api:audio": "audio", "proctor_api:events": "event"}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")

REQUESTS = Counter("proctor_http_requests", "HTTP requests by route, method and status", ["route", "method", "status"])
LATENCY = Histogram(
    "proctor_http_request_duration_seconds", "Time to answer a request, by route", ["route"], buckets=LATENCY_BUCKETS
)
OBSERVATIONS = Counter(
    "proctor_observations",
    "Frames, on-device verdicts, audio samples and page events by outcome: the face status of a judged frame or "
    "verdict, 'accepted' for audio and events, or the error code of a refused request",
    ["kind", "outcome"],
)
ANALYSIS = Histogram(
    "proctor_frame_analysis_seconds", "Decoding and face finding of one frame, before the session lock",
    buckets=LATENCY_BUCKETS,
)


def _outcome(kind: str, response: HttpResponse) -> str:
    data = getattr(response, "data", None)
    if response.status_code < 300:
        return str(data.get("face_status", "accepted")) if kind == "frame" and isinstance(data, dict) else "accepted"
    if isinstance(data, dict) and isinstance(data.get("error"), dict) and data["error"].get("code"):
        return str(data["error"]["code"])[:40]
    return f"http_{response.status_code}"


class MetricsMiddleware:
    """Counts every request by route (the URL pattern's name: bounded, unlike paths) and times it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match is not None else "unmatched"
        LATENCY.labels(route).observe(time.perf_counter() - started)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        if route in OBSERVATION_ROUTES:
            kind = OBSERVATION_ROUTES[route]
            OBSERVATIONS.labels(kind, _outcome(kind, response)).inc()
        elif route == "proctor_api:verdicts":
            _count_batch(response)
        return response


def _count_batch(response: HttpResponse) -> None:
    """A batch of on-device verdicts: each verdict by its face status and each audio report, or the refusal once."""
    data = getattr(response, "data", None)
    if response.status_code >= 300 or not isinstance(data, dict):
        OBSERVATIONS.labels("verdict", _outcome("verdict", response)).inc()
        return
    for verdict in data.get("verdicts", ()):
        OBSERVATIONS.labels("verdict", str(verdict.get("face_status"))).inc()
    for _ in data.get("audio", ()):
        OBSERVATIONS.labels("audio", "accepted").inc()


class StateCollector(Collector):
    """Gauges read from the database at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges, and ``proctor_database_up``: 0 when the database did not answer (the counters still come)."""
        try:
            gauges = list(self.state())
        except DatabaseError as exc:
            log.warning("metrics: the database did not answer: %s", exc)
            gauges = []
        yield GaugeMetricFamily(
            "proctor_database_up", "1 if the database answered this scrape", value=int(bool(gauges))
        )
        yield from gauges

    def state(self) -> Iterator[GaugeMetricFamily]:
        from proctor_core.service.health import PERIODIC_HEARTBEAT, WORKER_HEARTBEAT, heartbeat_age
        from proctor_core.service.models import ProctoringSession

        yield GaugeMetricFamily(
            "proctor_sessions_open", "Sessions started and not yet ended",
            value=ProctoringSession.objects.filter(active=True).count(),
        )
        for name, key in (("worker", WORKER_HEARTBEAT), ("periodic", PERIODIC_HEARTBEAT)):
            age = heartbeat_age(key)
            yield GaugeMetricFamily(
                f"proctor_{name}_heartbeat_age_seconds", f"Seconds since the {name} heartbeat (NaN: never)",
                value=float("nan") if age is None else age,
            )
        if apps.is_installed("lms_adapter"):
            yield from self.outbox()

    def outbox(self) -> Iterator[GaugeMetricFamily]:
        from lms_adapter.models import GradeOutbox

        pending = GradeOutbox.objects.filter(status=GradeOutbox.Status.PENDING)
        oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
        yield GaugeMetricFamily("proctor_grade_outbox_pending", "Grades waiting for delivery", value=pending.count())
        yield GaugeMetricFamily(
            "proctor_grade_outbox_oldest_pending_age_seconds", "Age of the oldest grade waiting for delivery (0: none)",
            value=0.0 if oldest is None else (timezone.now() - oldest).total_seconds(),
        )
        yield GaugeMetricFamily(
            "proctor_grade_outbox_retrying", "Grades waiting after at least one failed delivery",
            value=pending.filter(attempts__gt=0).count(),
        )
        yield GaugeMetricFamily(
            "proctor_grade_outbox_failed", "Grades the platform refused for good (see the admin)",
            value=GradeOutbox.objects.filter(status=GradeOutbox.Status.FAILED).count(),
        )


def allowed(request: HttpRequest) -> bool:
    """A direct loopback request, or one with the metrics token."""
    token = proctor_settings().OPS.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if hmac.compare_digest(given.encode(), token.encode()):
            return True
    try:
        loopback = ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        loopback = False
    return loopback and not any(header in request.META for header in PROXY_HEADERS)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not proctor_settings().OPS.METRICS:
        return JsonResponse({"error": {"code": "not_found", "message": "metrics are turned off"}}, status=404)
    if not allowed(request):
        return JsonResponse(
            {"error": {"code": "permission_denied", "message": "metrics are served on loopback or with the token"}},
            status=403,
        )
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    return HttpResponse(generate_latest(counted) + generate_latest(state), content_type=CONTENT_TYPE_LATEST)
