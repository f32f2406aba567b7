"""Settings for the memorial registry, read from the environment.

One module for every place the site runs. Development (``make run``) sets ``DEBUG=1``;
anything else runs with ``DEBUG`` off and must be given ``SECRET_KEY``. ``DATABASE_URL``
chooses the database: SQLite in the project folder when unset, PostgreSQL in production.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
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

# --- HTTPS (docs/security.md) --------------------------------------------------------
# On when the site's address (SITE_URL) is https://, or when HTTPS=1 says so: cookies then
# travel only over HTTPS, plain http is redirected and browsers are told to come back only
# over HTTPS (HSTS). Off for `make run`, the tests and the benchmarks, which speak plain
# http on the loopback.
HTTPS = env_bool("HTTPS", os.environ.get("SITE_URL", "").startswith("https://"))
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS",
                                         str(365 * 24 * 3600) if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
# Behind a proxy that ends TLS, the request header by which it says the visitor came over
# HTTPS (e.g. X-Forwarded-Proto; the proxy must overwrite whatever the client sent).
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
        "https")
# Preloading asks the browsers' makers to hard-code the domain (and all its subdomains) as
# HTTPS-only, for good: the domain owner's decision, so `check --deploy` need not ask for it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- What browsers may do with our pages (docs/security.md) --------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only our own scripts, styles and images; no inline script or style anywhere (the
# profile's JSON-LD is a data block, which CSP does not govern), no plug-ins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

INSTALLED_APPS = [
    # The admin with the moderators' login: password, then a TOTP code when they have one.
    "registry.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that reads the database: it sets the visitors' time limit.
    "registry.middleware.TimeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a posted body (the CSRF check does): refuses an oversized one,
    # or one from a client past its count, unread.
    "registry.middleware.UploadGateMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registry.replicas.ReplicaMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as its documentation asks: it turns a lockout into the page that says so.
    "axes.middleware.AxesMiddleware",
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
        " -c cursor_tuple_fraction=1"
        f" -c random_page_cost={float(os.environ.get('PG_RANDOM_PAGE_COST', '1.1'))}")

# A visitor's SQL statement stops after this many milliseconds (PostgreSQL; the admin has no
# limit): see registry/middleware.py. The slowest page a visitor can ask for, uncached, is a
# broad filter with its counts (docs/performance.md).
REGISTRY_VISITOR_STATEMENT_TIMEOUT = int(os.environ.get("REGISTRY_VISITOR_STATEMENT_TIMEOUT",
                                                        "5000"))
REGISTRY_ADMIN_PATH = "/admin/"

# Streaming replicas of the primary, for visitors' reads (registry/replicas.py,
# docs/scaling.md): DATABASE_REPLICA_URLS=postgres://…,postgres://… . Their connections
# carry the visitors' statement timeout themselves: nothing but visitors' pages reads them.
REGISTRY_REPLICAS = []
for _number, _url in enumerate(u.strip() for u in
                               os.environ.get("DATABASE_REPLICA_URLS", "").split(",")):
    if not _url:
        continue
    _replica = dj_database_url.parse(_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
                                     conn_health_checks=True)
    _replica["OPTIONS"] = {"options": DATABASES["default"].get("OPTIONS", {}).get("options", "")
                           + f" -c statement_timeout={REGISTRY_VISITOR_STATEMENT_TIMEOUT}"}
    _replica["TEST"] = {"MIRROR": "default"}  # tests read the primary through it
    DATABASES[f"replica_{_number}"] = _replica
    REGISTRY_REPLICAS.append(f"replica_{_number}")
DATABASE_ROUTERS = ["registry.replicas.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: a typed address means https

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Moderators' login (docs/security.md) ---------------------------------------------
# django-axes counts failed logins per address (one password tried against many names)
# and per user name (one name tried from many addresses); after AXES_FAILURE_LIMIT
# failures either waits AXES_COOLOFF_MINUTES. Its backend must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "registry.admin_site.locked_out"
# The same client address as the submission rate limits (REGISTRY_CLIENT_IP_HEADER).
AXES_CLIENT_IP_CALLABLE = "registry.clients.client_address"
# django-otp: a moderator with a confirmed TOTP device (added by an administrator under
# "TOTP devices") types its code at login; REGISTRY_REQUIRE_TWO_FACTOR=1 admits no staff
# member without one.
OTP_TOTP_ISSUER = "Memorial registry"
REGISTRY_REQUIRE_TWO_FACTOR = env_bool("REGISTRY_REQUIRE_TWO_FACTOR")
# After logging in, the moderators' workbench (not Django's /accounts/profile/, which the
# registry does not have).
LOGIN_REDIRECT_URL = "admin:index"

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
        # Facets, counts and rendered filters of a few thousand queries: at the default
        # 300 entries they pushed each other out and seconds-long facet counts were made
        # again and again under load (docs/performance.md, "Load").
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
    # Rendered public pages, per worker (registry/page_cache.py). Compressed, so 5,000
    # pages stay within a few tens of MiB.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "memorial-pages",
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    },
    # What must hold across gunicorn workers and machines: submission rate limits and the
    # published generation every cached page and count is kept under (registry/freshness.py).
    # The database by default (no extra service; migration 0012 makes the table), Redis
    # when REDIS_URL is given.
    "shared": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache",
         "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL") else
        {"BACKEND": "registry.shared_cache.SharedDatabaseCache",
         "LOCATION": "registry_shared_cache",
         # Rate-limit counters come and go; past the limit a third are culled, and the
         # generation with them would only cost one round of cache misses.
         "OPTIONS": {"MAX_ENTRIES": 10_000}}
    ),
}
RATELIMIT_USE_CACHE = "shared"

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
# Downloads of many rows (the export, reading lists as text or CSV): how many one client
# may start (django-ratelimit syntax), and how many stream at once across all workers
# (registry/downloads.py). Keep the second below the cores: each takes one.
REGISTRY_DOWNLOAD_RATE = os.environ.get("REGISTRY_DOWNLOAD_RATE", "30/h")
REGISTRY_DOWNLOADS_AT_ONCE = int(os.environ.get("REGISTRY_DOWNLOADS_AT_ONCE", "1"))
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
# What is kept of a photograph: at most this many pixels on its longer side (an archival
# copy of a print or a page scanned at 400 dpi).
REGISTRY_PHOTO_MAX_SIDE = 4000
# What one client may make the server decode (registry/views/submit.py): photographs in
# one post, kept for one form, decoded per hour per address, and pixels in one post.
REGISTRY_PHOTOS_PER_POST = 10
REGISTRY_PHOTOS_PER_FORM = 20
REGISTRY_PHOTO_RATE = os.environ.get("REGISTRY_PHOTO_RATE", "60/h")
REGISTRY_PHOTO_PIXELS_PER_POST = 150_000_000
# The largest form with files a visitor may post: its photographs and 2 MB of the rest.
REGISTRY_POST_MAX_BYTES = REGISTRY_PHOTOS_PER_POST * REGISTRY_PHOTO_MAX_BYTES + 2 * 1024 * 1024
# Posts with photographs read and parsed at once across all workers (registry/middleware.py).
REGISTRY_LARGE_POSTS_AT_ONCE = int(os.environ.get("REGISTRY_LARGE_POSTS_AT_ONCE", "1"))
# Photographs decoded at once across all workers (each takes a core for a second or more).
REGISTRY_PHOTO_DECODES_AT_ONCE = int(os.environ.get("REGISTRY_PHOTO_DECODES_AT_ONCE", "1"))
# Pages no kept copy answers (a search, a filter) computed at once for one client, and
# how many a minute, in each worker (registry/page_cache.py): beyond, the client is asked
# to wait a moment. The load benchmark, whose 200 simulated visitors share one address,
# raises both.
REGISTRY_RENDERS_PER_CLIENT = int(os.environ.get("REGISTRY_RENDERS_PER_CLIENT", "1"))
REGISTRY_RENDER_RATE = os.environ.get("REGISTRY_RENDER_RATE", "30/m")
# Photographs of a form never sent are deleted after this (purge_submitter_data, hourly).
REGISTRY_UNSENT_PHOTO_HOURS = 6
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
