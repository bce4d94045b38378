"""URLs of REST API v1, mounted at ``/api/v1/``."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from proctor_core.service.rest_api.v1.observations import AudioView, EventsView, FramesView
from proctor_core.service.rest_api.v1.plugins import PluginsView
from proctor_core.service.rest_api.v1.sessions import (
    EvidenceView,
    SessionCreateView,
    SessionDetailView,
    SessionEndView,
    SessionStartView,
    ViolationListView,
)
from proctor_core.service.rest_api.v1.verdicts import RevealView, VerdictsView

app_name = "proctor_api"

urlpatterns = [
    path("sessions", SessionCreateView.as_view(), name="sessions"),
    path("sessions/<uuid:session_id>", SessionDetailView.as_view(), name="session"),
    path("sessions/<uuid:session_id>/frames", FramesView.as_view(), name="frames"),
    path("sessions/<uuid:session_id>/audio", AudioView.as_view(), name="audio"),
    path("sessions/<uuid:session_id>/events", EventsView.as_view(), name="events"),
    path("sessions/<uuid:session_id>/start", SessionStartView.as_view(), name="start"),
    path("sessions/<uuid:session_id>/verdicts", VerdictsView.as_view(), name="verdicts"),
    path("sessions/<uuid:session_id>/verdicts/<int:seq>/frame", RevealView.as_view(), name="verdict-frame"),
    path("sessions/<uuid:session_id>/end", SessionEndView.as_view(), name="end"),
    path("sessions/<uuid:session_id>/violations", ViolationListView.as_view(), name="violations"),
    path(
        "sessions/<uuid:session_id>/violations/<str:violation_id>/evidence",
        EvidenceView.as_view(),
        name="violation-evidence",
    ),
    path("plugins", PluginsView.as_view(), name="plugins"),
    path("schema", SpectacularJSONAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL of its own: no inline script under the strict CSP.
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(url_name="proctor_api:schema", template_name="proctor/swagger_ui.html"),
        name="docs",
    ),
]
