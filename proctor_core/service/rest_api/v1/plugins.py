"""The plugins resource: what this process loaded, blocked or failed to load."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from proctor_core.service.apps import service_config
from proctor_core.service.rest_api.v1.base import ApiView


class PluginsView(ApiView):
    """Loaded plugins with versions, hooks and load errors; the detectors and penalty policies they register."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, auth=[])
    def get(self, request) -> Response:
        return Response(service_config().plugins.listing())
