"""Settings for Servicecenter, driven entirely by environment variables (12-factor).

Embedded defaults (SQLite, in-memory channel layer, local-memory cache) make a bare machine
work; PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) are the production parts. A `.env` file
in the project root, written by `make`, is read when present; real environment variables win.
"""

import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from redis.asyncio.retry import Retry as AsyncRedisRetry
from redis.backoff import NoBackoff

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Run `make .env` for a development key, "
        "or set SECRET_KEY in the environment."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # daphne must precede staticfiles so that runserver serves ASGI (daphne.E001).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "organisations",
    "audit",
    "accounts",
    "visits",
    "helpdesk",
    "indicators",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "servicecenter.middleware.LanguageMiddleware",
    "api.middleware.ApiErrorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "servicecenter.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = None
ASGI_APPLICATION = "servicecenter.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the counter write while a dashboard reads; the timeout rides out short locks.
    # IMMEDIATE transactions take the write lock up front, so two writers queue for the
    # busy timeout instead of failing on a lock upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    # Tests use a file too: an in-memory database shared between threads locks whole tables
    # and ignores the busy timeout, unlike the file the application really uses.
    # One file per test run, so that two runs side by side do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"servicecenter-test-{os.getpid()}.sqlite3")
    }
else:
    # Under ASGI every request runs in a thread of its own, so a connection kept per thread
    # (CONN_MAX_AGE > 0) is never reused and they pile up until PostgreSQL refuses more. A
    # pool per server process bounds them: at most DB_POOL_MAX_SIZE per process, whatever the
    # load. A request that waits DB_POOL_TIMEOUT seconds for one, or finds DB_POOL_MAX_WAITING
    # requests already waiting, is answered 503 with Retry-After (servicecenter.errors).
    # DB_POOL_MAX_SIZE=0 turns the pool off, for a pooler such as PgBouncer in front; then
    # DB_CONN_MAX_AGE applies.
    DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=10)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env.int("DB_POOL_MIN_SIZE", default=2), DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
            "max_waiting": env.int("DB_POOL_MAX_WAITING", default=200),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # Lets psycopg keep statements prepared on a connection. Django's cursors bind on the
    # client and never prepare; only the rollup upkeep's server-binding cursor does
    # (indicators/rollups.py), for the two dozen small statements every write runs. A
    # connection pooler in front of PostgreSQL must then keep a client on one server
    # connection per session, or support prepared statements (PgBouncer 1.21+).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)


def redis_parts(url: str) -> tuple[dict, dict]:
    """The channel layer and the cache on the Redis at `url`. Redis may go away at run time
    without failing a request: see servicecenter/cache.py and servicecenter/live.py. (Tests
    point both at a redis-server of their own, which they stop and start.)"""
    channel_layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": url,
                        # A Redis that does not answer is given up on quickly (the other
                        # timeouts must stay longer than the layer's blocking reads), and a
                        # pooled connection that died with a Redis restart is replaced on
                        # first use instead of failing it.
                        "socket_connect_timeout": 0.5,
                        "retry": AsyncRedisRetry(NoBackoff(), 1),
                    }
                ]
            },
        }
    }
    caches = {"default": {"BACKEND": "servicecenter.cache.RedisWithFallbackCache", "LOCATION": url}}
    return channel_layers, caches


REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS, CACHES = redis_parts(REDIS_URL)
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Lockout: after this many failed logins for one username within the window, refuse further
# attempts for that username until the window has passed.
LOGIN_LOCKOUT_ATTEMPTS = env.int("LOGIN_LOCKOUT_ATTEMPTS", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Stockholm")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_THROTTLE_RATE", default="600/minute")},
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Servicecenter API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "DESCRIPTION": (
        "Regional API of Servicecenter: partners report help sessions and read statistics. "
        "Authenticate with the header `Authorization: Api-Key <key>`."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Cases and queue tickets both have a "status"; name each set instead of a hashed suffix.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "helpdesk.lifecycle.CaseStatus",
        "TicketStatusEnum": "helpdesk.lifecycle.TicketStatus",
    },
}

# Product rules (SPEC §3): small-cell suppression threshold and retention periods.
STATS_MIN_CELL = env.int("STATS_MIN_CELL", default=5)
VISIT_NOTE_RETENTION_DAYS = env.int("VISIT_NOTE_RETENTION_DAYS", default=180)
# A closed follow-up case's (and a past booking's) contact details are cleared this many days
# later (SPEC §3).
CASE_CONTACT_RETENTION_DAYS = env.int("CASE_CONTACT_RETENTION_DAYS", default=90)
# How long after saving a visit its author may still undo it (the screen shows 10 seconds;
# the server allows a little more for a slow connection).
VISIT_UNDO_SECONDS = env.int("VISIT_UNDO_SECONDS", default=10)
VISIT_UNDO_GRACE_SECONDS = 5
# Where people report accessibility defects (tillgänglighetsredogörelse).
ACCESSIBILITY_CONTACT_EMAIL = env.str(
    "ACCESSIBILITY_CONTACT_EMAIL", default="tillganglighet@example.se"
)

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
