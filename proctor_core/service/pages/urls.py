"""URLs of the stand-alone pages."""

from django.urls import path

from proctor_core.service.pages.views import MonitorView, ResultView, StartView

app_name = "proctor"

urlpatterns = [
    path("", StartView.as_view(), name="start"),
    path("s/<uuid:session_id>/monitor", MonitorView.as_view(), name="monitor"),
    path("s/<uuid:session_id>/result", ResultView.as_view(), name="result"),
]
