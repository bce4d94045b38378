"""WSGI entry point (``gunicorn proctor_core.service.wsgi``), run once per worker process.

Each worker loads the face finder now, so its first frame is not slowed by model loading, and runs OpenCV on one
thread (``PROCTOR_OPENCV_THREADS``): the workers already keep every core busy, and one thread per worker spends
about a third less CPU per frame than OpenCV's default thread pool.
"""

import os

import cv2
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proctor_core.service.settings")
cv2.setNumThreads(int(os.environ.get("PROCTOR_OPENCV_THREADS", "1")))

application = get_wsgi_application()

from proctor_core.service.apps import warm_up  # noqa: E402  (needs the apps loaded above)

warm_up()
