"""Django settings of the proctoring service, read from environment variables with safe defaults.

Development needs nothing set: SQLite under ``./data``, DEBUG off, loopback hosts only. Production sets at least
``PROCTOR_SECRET_KEY``, ``PROCTOR_ALLOWED_HOSTS`` and ``PROCTOR_HTTPS=1`` (then ``manage.py check --deploy`` is
clean); ``DATABASE_URL`` switches to PostgreSQL. docs/operations.md lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from proctor_core.imaging import MAX_IMAGE_BYTES


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None or value == "" else value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item for item in os.environ.get(name, default).replace(",", " ").split() if item]


REPO_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("PROCTOR_DATA_DIR", "data")).resolve()

DEBUG = _env_bool("PROCTOR_DEBUG")
SECRET_KEY = os.environ.get("PROCTOR_SECRET_KEY") or "django-insecure-development-key-set-PROCTOR_SECRET_KEY"
ALLOWED_HOSTS = _env_list("PROCTOR_ALLOWED_HOSTS", "127.0.0.1 localhost")
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
    "proctor_core.service",
    "lms_adapter.apps.ToolConfigAppConfig",
    "lms_adapter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "proctor_core.service.middleware.FrameAncestorsMiddleware",
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
            "NAME": DATA_DIR / "proctor.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # A file, not memory: the concurrency tests write from several threads. One per test process.
            "TEST": {"NAME": DATA_DIR / f"test-proctor-{os.getpid()}.sqlite3"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every process (gunicorn workers, machines): the LTI login state lives here. `proctor migrate` creates it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "proctor_cache"}}

# -- static files: the admin's and the capture widget (widget/src served as /static/widget/) --------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [("widget", REPO_DIR / "widget" / "src")] if (REPO_DIR / "widget" / "src").is_dir() else []
# On-device analysis: ONNX Runtime Web, installed by `npm ci --prefix widget` (widget/package.json), served as /static/ort/.
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
# Bodies: one encoded frame as base64 JSON, with room for the other fields.
MAX_BODY_BYTES = MAX_IMAGE_BYTES * 4 // 3 + 16 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES

X_FRAME_OPTIONS = "DENY"
FRAME_ANCESTORS = _env_list("PROCTOR_FRAME_ANCESTORS")
"""Origins allowed to frame the tool (the LMS); every page outside the admin carries CSP frame-ancestors."""

HTTPS = _env_bool("PROCTOR_HTTPS")
if HTTPS:
    SECURE_SSL_REDIRECT = _env_bool("PROCTOR_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("PROCTOR_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("PROCTOR_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("PROCTOR_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # Inside an LMS iframe the tool is a third party: its cookies must be SameSite=None; Secure.
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "None"
if _env_bool("PROCTOR_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# -- REST API ----------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "proctor_core.service.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Proctor API",
    "DESCRIPTION": "Proctoring sessions: frames, audio and page events in; violations, score and risk band out.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
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
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PROCTOR_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
