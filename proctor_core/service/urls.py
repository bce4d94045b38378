"""Root URLs: stand-alone pages, REST API v1, the admin, and the LTI tool."""

from django.contrib import admin
from django.urls import include, path
from django.views import defaults

from proctor_core.service import health, metrics
from proctor_core.service.exceptions import api_aware_handler

urlpatterns = [
    path("", include("proctor_core.service.pages.urls")),
    path("api/v1/", include("proctor_core.service.rest_api.v1.urls")),
    path("admin/", admin.site.urls),
    path("review/", include("proctor_core.service.review.urls")),
    path("lti/", include("lms_adapter.urls")),
    # operations: load-balancer and monitoring checks, Prometheus scrapes (docs/operations.md)
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics, name="metrics"),
]

handler400 = api_aware_handler(defaults.bad_request, 400, "bad_request", "the request is malformed")
handler403 = api_aware_handler(defaults.permission_denied, 403, "permission_denied", "permission denied")
handler404 = api_aware_handler(defaults.page_not_found, 404, "not_found", "no such API resource")
handler500 = api_aware_handler(defaults.server_error, 500, "server_error", "internal error; it has been logged")
