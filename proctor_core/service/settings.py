"""Django settings of the proctoring service, read from environment variables with safe defaults.

Development needs nothing set: SQLite under ``./data``, DEBUG off, loopback hosts only. Production sets at least
``PROCTOR_SECRET_KEY``, ``PROCTOR_ALLOWED_HOSTS`` and ``PROCTOR_HTTPS=1`` (then ``manage.py check --deploy`` is
clean); with HTTPS or a non-loopback host and no secret key, these settings refuse to load. ``DATABASE_URL``
switches to PostgreSQL. docs/operations.md lists every variable.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from proctor_core.imaging import MAX_IMAGE_BYTES


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None or value == "" else value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item for item in os.environ.get(name, default).replace(",", " ").split() if item]


REPO_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("PROCTOR_DATA_DIR", "data")).resolve()

DEBUG = _env_bool("PROCTOR_DEBUG")
ALLOWED_HOSTS = _env_list("PROCTOR_ALLOWED_HOSTS", "127.0.0.1 localhost")
HTTPS = _env_bool("PROCTOR_HTTPS")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
PRODUCTION = HTTPS or not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS
"""HTTPS, or a host name other than this machine's loopback: the service is reachable by others."""

DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-set-PROCTOR_SECRET_KEY"
SECRET_KEY = os.environ.get("PROCTOR_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if PRODUCTION:
        # The key signs admin sessions, result-page keys and registration links: a public default forges them all.
        raise ImproperlyConfigured(
            "PROCTOR_SECRET_KEY is not set, and the service is reachable by others (PROCTOR_HTTPS or "
            f"PROCTOR_ALLOWED_HOSTS={' '.join(ALLOWED_HOSTS)}): refusing to start with the public development key. "
            "Set PROCTOR_SECRET_KEY to 50+ random characters."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
CSRF_TRUSTED_ORIGINS = _env_list("PROCTOR_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "drf_spectacular_sidecar",
    "axes",
    "proctor_core.service",
    "proctor_core.service.review",
    "lms_adapter.apps.ToolConfigAppConfig",
    "lms_adapter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "proctor_core.service.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "proctor_core.service.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "proctor_core.service.urls"
WSGI_APPLICATION = "proctor_core.service.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# -- database ----------------------------------------------------------------------------------------------------------
# SQLite: WAL lets readers run beside the one writer; IMMEDIATE transactions take the write lock at BEGIN, so
# concurrent writers wait (up to the busy timeout) instead of failing half-way with "database is locked".
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "proctor.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # A file, not memory: the concurrency tests write from several threads. One per test process.
            "TEST": {"NAME": DATA_DIR / f"test-proctor-{os.getpid()}.sqlite3"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every process (gunicorn workers, machines): the throttles' counts live here. `proctor migrate` creates it.
# Room for one count per client of a busy day (Django's default of 300 would forget clients and so their counts).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "proctor_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

# -- static files: the admin's and the capture widget (widget/src served as /static/widget/) --------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [("widget", REPO_DIR / "widget" / "src")] if (REPO_DIR / "widget" / "src").is_dir() else []
# On-device analysis: the face finder's ONNX models, the very files the service runs (package data of
# proctor_vision), served beside the widget's finder as /static/widget/ondevice/models/; ONNX Runtime Web, installed
# by `npm ci --prefix widget` (widget/package.json), served as /static/ort/.
STATICFILES_DIRS += [("widget/ondevice/models", Path(str(resources.files("proctor_vision").joinpath("models"))))]
ORT_DIR = REPO_DIR / "widget" / "node_modules" / "onnxruntime-web" / "dist"
STATICFILES_DIRS += [("ort", ORT_DIR)] if ORT_DIR.is_dir() else []
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# -- internationalisation ----------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# -- security ----------------------------------------------------------------------------------------------------------
# Bodies: one encoded frame as base64 JSON, with room for the other fields (PROCTOR["MAX_BODY_BYTES"]).
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_IMAGE_BYTES * 4 // 3 + 16 * 1024

X_FRAME_OPTIONS = "DENY"

if HTTPS:
    SECURE_SSL_REDIRECT = _env_bool("PROCTOR_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("PROCTOR_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("PROCTOR_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("PROCTOR_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
# Only the admin sets cookies (session, CSRF), and it is never framed: Lax keeps them off cross-site requests. The
# LTI endpoints need no cookie at all (state, nonce and launch data are kept server-side), so none is SameSite=None.
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
BEHIND_PROXY = _env_bool("PROCTOR_BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# -- throttling (proctor_core/service/throttling.py) -------------------------------------------------------------------
# Which address is the client: the connection's, or the one the last PROCTOR_PROXY_COUNT proxies appended to
# X-Forwarded-For. Anything a client writes there itself is ignored, so it cannot buy a fresh allowance.
PROXY_COUNT = int(os.environ.get("PROCTOR_PROXY_COUNT", "1")) if BEHIND_PROXY else 0
SESSION_CREATE_RATE = os.environ.get("PROCTOR_SESSION_CREATE_RATE", "2000/hour")
LTI_LOGIN_RATE = os.environ.get("PROCTOR_LTI_LOGIN_RATE", "3000/hour")

AUTHENTICATION_BACKENDS = [
    "proctor_core.service.throttling.LoginFailureBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin logins (staff and reviewers): after AXES_FAILURE_LIMIT failures from one address, that address is refused
# (429) for the cool-off time, even with the right password; a success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("PROCTOR_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = float(os.environ.get("PROCTOR_LOGIN_COOLOFF_MINUTES", "30")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "proctor_core.service.throttling.client_ip"

# -- REST API ----------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["proctor_core.service.rest_api.v1.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "proctor_core.service.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"session_create": SESSION_CREATE_RATE, "lti_login": LTI_LOGIN_RATE},
    "NUM_PROXIES": PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Proctor API",
    "DESCRIPTION": "Proctoring sessions: frames, audio and page events in; violations, score and risk band out.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the pinned drf-spectacular-sidecar package, served by the service itself: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# -- background work (e.g. LMS grade retries): a database queue, run by `proctor db_worker` ----------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# -- the proctoring framework ------------------------------------------------------------------------------------------
PROCTOR = {
    "AUTOLOAD_PLUGINS": not _env_bool("PROCTOR_DISABLE_PLUGIN_AUTOLOAD"),
    "BLOCKED_PLUGINS": _env_list("PROCTOR_BLOCKED_PLUGINS"),
    "EXTRA_PLUGINS": ["lms_adapter.hooks"],
    "DEFAULT_EXAM": os.environ.get("PROCTOR_DEFAULT_EXAM", "interview"),
    "SESSION_TTL_S": float(os.environ.get("PROCTOR_SESSION_TTL_HOURS", "12")) * 3600,
    "RESULT_TTL_S": float(os.environ.get("PROCTOR_RESULT_TTL_HOURS", "1")) * 3600,
    "MAX_BODY_BYTES": DATA_UPLOAD_MAX_MEMORY_SIZE,
    # Origins allowed to frame the tool (the LMS): the frame-ancestors of every page's CSP outside the admin.
    "FRAME_ANCESTORS": _env_list("PROCTOR_FRAME_ANCESTORS"),
    # Whether an exam-wrapper address may be plain http on a loopback host: development and tests only.
    "EXAM_ADDRESS_LOOPBACK_HTTP": _env_bool("PROCTOR_EXAM_ADDRESS_LOOPBACK_HTTP", DEBUG),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PROCTOR_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}

# -- operations (docs/operations.md): LTI, periodic jobs, health and metrics, from the environment -------------------
# Each value is checked here, so a wrong one stops every process at start-up with a message naming the variable.
from lms_adapter.conf import from_environ as _lti_from_environ  # noqa: E402
from proctor_core.service.environ import env_bool, env_float, env_int, env_str  # noqa: E402

PROCTOR_LTI = _lti_from_environ()
PROCTOR_OPS = {
    # `proctor periodic`: end sessions with no observation for this long (a closed tab), and how often to look.
    "IDLE_MINUTES": env_float("PROCTOR_IDLE_MINUTES", 30.0, positive=True),
    "IDLE_SWEEP_S": env_float("PROCTOR_IDLE_SWEEP_S", 60.0, positive=True),
    # How often to send due grades (retries, lost tasks) and queue results the outbox missed.
    "GRADE_SWEEP_S": env_float("PROCTOR_GRADE_SWEEP_S", 15.0, positive=True),
    "PURGE_EVERY_S": env_float("PROCTOR_PURGE_EVERY_S", 3600.0, positive=True),
    "PRUNE_EVERY_S": env_float("PROCTOR_PRUNE_EVERY_S", 86400.0, positive=True),
    "TASK_RESULT_DAYS": env_int("PROCTOR_TASK_RESULT_DAYS", 7, minimum=0),
    # The periodic process queues a heartbeat task this often; /health/ready wants one run within the maximum age.
    "HEARTBEAT_S": env_float("PROCTOR_HEARTBEAT_S", 30.0, positive=True),
    "HEARTBEAT_MAX_AGE_S": env_float("PROCTOR_HEARTBEAT_MAX_AGE_S", 120.0, positive=True),
    # /metrics: off with PROCTOR_METRICS=0; otherwise loopback only (no proxy in between), or with this bearer token.
    "METRICS": env_bool("PROCTOR_METRICS", True),
    "METRICS_TOKEN": env_str("PROCTOR_METRICS_TOKEN", ""),
    "TASK_WORKERS": env_int("PROCTOR_TASK_WORKERS", 1, minimum=1),
}
MIDDLEWARE = ["proctor_core.service.metrics.MetricsMiddleware", *MIDDLEWARE]
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]  # load-balancer checks and scrapes come in over plain HTTP
