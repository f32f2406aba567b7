"""Settings for the memorial registry, read from the environment.

One module for every place the site runs. Development (``make run``) sets ``DEBUG=1``;
anything else runs with ``DEBUG`` off and must be given ``SECRET_KEY``. ``DATABASE_URL``
chooses the database: SQLite in the project folder when unset, PostgreSQL in production.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (make run and make test set one for you)."
        )
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "memorial.urls"
WSGI_APPLICATION = "memorial.wsgi.application"

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
                "registry.context_processors.registry",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
IS_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRESQL:
    # Trigram and unaccent lookups; the extensions themselves come from a migration.
    INSTALLED_APPS.append("django.contrib.postgres")
    # A page's queries are short: starting parallel workers costs more than they save
    # (a common given name searched: 620 ms with two workers, 145 ms without, on 2 cores;
    # docs/performance.md). Set PG_PARALLEL_WORKERS to allow them again.
    # No JIT compilation either: a reading list of a town spent 390 ms of its 1.9 s query
    # compiling code that ran once (PG_JIT=on to allow it).
    # Server-side cursors (``QuerySet.iterator()``: exports, reading lists) are always read
    # to the end here, so they are planned for all their rows: with the default (a tenth)
    # the planner chose a fast-start plan that took twice as long for the whole list.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={int(os.environ.get('PG_PARALLEL_WORKERS', '0'))}"
        f" -c jit={'on' if os.environ.get('PG_JIT') == 'on' else 'off'}"
        " -c cursor_tuple_fraction=1")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: a typed address means https

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded photographs and documents: outside MEDIA_ROOT, served only through a view that
# asks the public gate (pending uploads reach staff only; see registry/storage.py).
REGISTRY_PROTECTED_MEDIA_ROOT = Path(os.environ.get("PROTECTED_MEDIA_ROOT",
                                                    BASE_DIR / "protected_media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "memorial",
    },
    # Submission rate limits must hold across gunicorn workers and machines, so they are
    # counted in a shared cache: the database by default (no extra service; the table is
    # made by `manage.py createcachetable`), Redis when RATELIMIT_REDIS_URL is given.
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache",
         "LOCATION": os.environ["RATELIMIT_REDIS_URL"]}
        if os.environ.get("RATELIMIT_REDIS_URL") else
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
         "LOCATION": "registry_ratelimit_cache"}
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# SMTP when EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "registry@localhost")

# The registry's own knobs.
REGISTRY_PAGE_SIZE = 25
# The most rows one CSV export gives (stated in docs/api.md and in a response header).
REGISTRY_EXPORT_MAX_ROWS = int(os.environ.get("REGISTRY_EXPORT_MAX_ROWS", "10000"))
# Submissions from the public: how many one client may send (django-ratelimit syntax),
# which request header holds the client address behind a trusted proxy (empty: the
# connection's own address), and how many days after the decision the sender's contact
# data is erased (purge_submitter_data, run daily by cron).
# The site's own address, for links in e-mails sent outside a request.
REGISTRY_SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
REGISTRY_SUBMISSION_RATE = os.environ.get("REGISTRY_SUBMISSION_RATE", "5/h")
# Posts that carry photographs, complete or not (decoding them is the costly part).
REGISTRY_UPLOAD_RATE = os.environ.get("REGISTRY_UPLOAD_RATE", "30/h")
REGISTRY_CLIENT_IP_HEADER = os.environ.get("REGISTRY_CLIENT_IP_HEADER", "")
REGISTRY_PURGE_AFTER_DAYS = int(os.environ.get("REGISTRY_PURGE_AFTER_DAYS", "90"))
# The largest photograph a family may send, and the most pixels one may decode to.
REGISTRY_PHOTO_MAX_BYTES = 15 * 1024 * 1024
REGISTRY_PHOTO_MAX_PIXELS = 50_000_000
# Revisions record who made a change; imports and commands say who they are.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Revisions are read per record (indexed by id) and sorted there; an index on the date of
# every revision was written by each import and never read (registry/models/history.py).
SIMPLE_HISTORY_DATE_INDEX = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
