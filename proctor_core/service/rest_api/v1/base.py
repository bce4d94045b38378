"""The base view of API v1: bounded bodies, and the session a request may act on."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from proctor_core.service.conf import proctor_settings
from proctor_core.service.exceptions import PayloadTooLarge, SessionNotFound, WrongSession
from proctor_core.service.models import ProctoringSession
from proctor_core.service.rest_api.v1.authentication import SessionTokenAuthentication
from proctor_core.service.schemas import ErrorOut


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI entries for the JSON error answers a view gives."""
    return {status: OpenApiResponse(ErrorOut, description="see docs/api.md, Errors") for status in statuses}


def check_body_size(request, limit: int | None = None) -> None:
    """:raises PayloadTooLarge: the declared body is over ``limit`` (default ``MAX_BODY_BYTES``); nothing of it
    is read."""
    limit = proctor_settings().MAX_BODY_BYTES if limit is None else limit
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise PayloadTooLarge(
            f"the request body is larger than {limit} bytes", details={"max_bytes": limit, "bytes": length}
        )


class ApiView(APIView):
    """Every API v1 view: the body size is checked before anything is parsed."""

    def initial(self, request, *args, **kwargs) -> None:
        check_body_size(request)
        super().initial(request, *args, **kwargs)


class HoldsSessionToken(BasePermission):
    """A session token was sent (which session it opens is checked by :meth:`SessionView.get_session`), or, on
    views with ``staff_may_read``, the user is staff signed in to the admin. Otherwise: 401."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ProctoringSession):
            return True
        return getattr(view, "staff_may_read", False) and getattr(request.user, "is_staff", False)


class SessionView(ApiView):
    """A view on one session, opened by that session's bearer token (or, where ``staff_may_read``, by staff)."""

    authentication_classes = [SessionTokenAuthentication]
    permission_classes = [HoldsSessionToken]
    staff_may_read = False

    def get_session(self, request, session_id: UUID) -> ProctoringSession:
        """The session named in the URL, if the request may act on it.

        :raises WrongSession: the token belongs to another session (403).
        :raises SessionNotFound: no session has this id (404).
        """
        session = request.auth if isinstance(request.auth, ProctoringSession) else None
        if session is not None:
            if session.pk == session_id:
                return session
            if ProctoringSession.objects.filter(pk=session_id).exists():
                raise WrongSession("this token belongs to another session")
            raise SessionNotFound("no proctoring session has this id")
        found = ProctoringSession.objects.select_related("exam").filter(pk=session_id).first()
        if found is None:
            raise SessionNotFound("no proctoring session has this id")
        return found


class ReadableSessionView(SessionView):
    """A read-only view on a session that staff signed in to the admin may use too."""

    authentication_classes = [SessionTokenAuthentication, SessionAuthentication]
    staff_may_read = True
