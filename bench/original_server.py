"""The original interview monitor's frame endpoint, rebuilt as a baseline for bench/load.py (not shipped).

One Django view, one frame per request, as the original did: a JSON body with a base64 ``data:`` URL, a
full-size colour decode, grey, OpenCV's frontal Haar cascade with default parameters, and the face count back as
JSON, behind Django's default middleware. It stores nothing, so it is if anything faster than the original.

Run by bench/load.py as ``gunicorn bench.original_server:application`` (from the repository root).
"""

from __future__ import annotations

import base64
import json

import cv2
import django
import numpy as np
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only",
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    DATA_UPLOAD_MAX_MEMORY_SIZE=10_000_000,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                    "django.contrib.messages"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    MIDDLEWARE=[  # Django's startproject default
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
)
django.setup()

CASCADE = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


@csrf_exempt
def analyze_frame(request):
    try:
        image = json.loads(request.body)["image"]
        raw = base64.b64decode(image.split(",", 1)[-1])
        pixels = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_COLOR)
        grey = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
    except (ValueError, KeyError, TypeError, cv2.error):
        return HttpResponseBadRequest("bad frame")
    faces = CASCADE.detectMultiScale(grey)
    return JsonResponse({"faces": len(faces), "face_detected": len(faces) > 0, "multiple_faces": len(faces) > 1})


def health(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("analyze_frame", analyze_frame), path("health", health)]

application = get_wsgi_application()
