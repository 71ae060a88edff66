"""Claimtrail settings. Everything an operator may change comes from environment variables."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
VAR_DIR = Path(os.environ.get("CLAIMTRAIL_VAR_DIR", BASE_DIR / "var"))


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, or for the one-box default a random key kept in var/ (created once),
    so the web and worker processes and restarts share it without anyone inventing one."""
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it or set DJANGO_SECRET_KEY.")
    return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "config.apps.ProjectConfig",
    "sources.apps.SourcesConfig",
    "claims.apps.ClaimsConfig",
    "verification.apps.VerificationConfig",
    "demo.apps.DemoConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "verification.context_processors.newsroom",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode with IMMEDIATE transactions, so a writer takes the lock at
# BEGIN instead of failing half-way with "database is locked" when it upgrades from a read.
SQLITE_PATH = Path(
    os.environ.get("CLAIMTRAIL_SQLITE_PATH", BASE_DIR / "var" / "claimtrail.sqlite3")
)
DATABASE_URL = os.environ.get("DATABASE_URL", "")

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,  # type: ignore[typeddict-item]  # Django takes a Path here
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Everything from our own origin, nothing inline: the desk's pages carry no inline script or
# style, htmx is told not to inject its indicator <style> or eval anything (base.html), and a
# script that slipped into a page (a captured source's text, say) would not run. The API docs
# page loosens style-src for Swagger UI's inline <style> only (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Signing in (django-axes) ---------------------------------------------------------------
# The lockout check runs first and refuses a locked-out account or address before any password
# is hashed, so a flood of guesses costs a database read each, not a PBKDF2 run. The API has no
# password path (tokens and the desk's session only), so the desk and the admin are all it guards.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures counted per user name and, separately, per client address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env_int("CLAIMTRAIL_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("CLAIMTRAIL_SIGNIN_COOLOFF", 15 * 60))
# Attempts during a lockout neither count nor extend it: the page's "try again in" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the address's failures: one valid account must not let an address
# reset its counter between guesses at other accounts.
AXES_RESET_ON_SUCCESS = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "verification.views.auth.signin_locked_out"
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
# Behind reverse proxies, how many of them append to X-Forwarded-For; 0 trusts REMOTE_ADDR only.
CLAIMTRAIL_TRUSTED_PROXIES = env_int("CLAIMTRAIL_TRUSTED_PROXIES", 0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # WARC files and uploaded documents. Never served as they are: the app streams them as
    # downloads (or as plain text) after checking who may see the source.
    "archives": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": Path(os.environ.get("CLAIMTRAIL_ARCHIVE_ROOT", VAR_DIR / "archives")),
            "base_url": None,
        },
    },
    # Assets are served by the app itself (WhiteNoise): no CDN, no separate web server needed.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# --- HTTPS ---------------------------------------------------------------------------------
# CLAIMTRAIL_HTTPS=1: the site is served over HTTPS by a proxy in front that sets
# X-Forwarded-Proto (and strips any a client sent). Plain-HTTP requests are redirected, cookies
# are sent over HTTPS only, and browsers are told to use nothing else (HSTS).
CLAIMTRAIL_HTTPS = env_bool("CLAIMTRAIL_HTTPS", default=False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=CLAIMTRAIL_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if CLAIMTRAIL_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CLAIMTRAIL_HSTS_SECONDS", 365 * 24 * 3600)
    # Both promise more than this site: every subdomain, and a place in browsers' built-in
    # lists that takes months to leave. The operator opts in (check --deploy asks about both).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CLAIMTRAIL_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_bool("CLAIMTRAIL_HSTS_PRELOAD")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.HasNewsroomRole"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.CappedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
# API tokens: random, shown once, stored as a SHA-512 digest; revoking deletes the row.
REST_KNOX = {
    "TOKEN_TTL": None,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
API_MAX_PAGE_SIZE = int(os.environ.get("CLAIMTRAIL_API_MAX_PAGE_SIZE", "200"))
API_DEFAULT_PAGE_SIZE = int(os.environ.get("CLAIMTRAIL_API_PAGE_SIZE", "50"))
# Lists count at most this many rows (config/paginator.py): an exact COUNT(*) over a million
# claims costs more than the rest of a page.
CLAIMTRAIL_COUNT_CAP = env_int("CLAIMTRAIL_COUNT_CAP", 10_000)
# JSON bodies larger than this are refused with 413 before they are parsed.
API_MAX_BODY_BYTES = int(os.environ.get("CLAIMTRAIL_API_MAX_BODY_BYTES", str(256 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

SPECTACULAR_SETTINGS = {
    "TITLE": "Claimtrail API",
    "DESCRIPTION": "Claims, their sources and evidence, the verification workflow and its audit "
    "trail. Every claim response carries an ETag; every claim write needs If-Match (or a "
    "version field) and is refused with 412 and the current claim when stale.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The description of the API is public; every operation in it still needs a signed-in role.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models have a "kind": each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "ClaimKindEnum": "claims.models.ClaimKind",
        "ClaimantKindEnum": "claims.models.ClaimantKind",
        "ClaimRelationKindEnum": "claims.models.ClaimRelationKind",
        "OutletKindEnum": "sources.models.OutletKind",
        "SourceKindEnum": "sources.models.SourceKind",
        "CitationKindEnum": "sources.models.CitationKind",
        "GradeEnum": "sources.models.ReliabilityRatingGrade",
        "SnapshotStatusEnum": "sources.models.SnapshotStatus",
        "SnapshotFormEnum": "sources.models.SnapshotForm",
        "LinkStatusEnum": "sources.models.LinkStatus",
    },
}

# --- Claimtrail -----------------------------------------------------------------------------
# Four eyes: an editor may not publish a verdict they set themselves. Small desks can relax it.
CLAIMTRAIL_ALLOW_SELF_PUBLISH = env_bool("CLAIMTRAIL_ALLOW_SELF_PUBLISH", default=False)
# The newsroom's working language: quotes in any other language want a translation.
CLAIMTRAIL_NEWSROOM_LANGUAGE = os.environ.get("CLAIMTRAIL_NEWSROOM_LANGUAGE", "en")
# How far up citation chains provenance analysis walks before it stops and says so.
CLAIMTRAIL_PROVENANCE_MAX_DEPTH = int(os.environ.get("CLAIMTRAIL_PROVENANCE_MAX_DEPTH", "25"))
# gc.freeze() once the apps are loaded (config/apps.py): full collections skip the start-up heap.
CLAIMTRAIL_GC_FREEZE = env_bool("CLAIMTRAIL_GC_FREEZE", default=True)

# --- Outbound HTTP and archives (sources/archiving/) --------------------------------------------
# The whole fetch, redirects included, must finish within the deadline (seconds).
CLAIMTRAIL_FETCH_DEADLINE = float(os.environ.get("CLAIMTRAIL_FETCH_DEADLINE", "60"))
CLAIMTRAIL_FETCH_CONNECT_TIMEOUT = float(os.environ.get("CLAIMTRAIL_FETCH_CONNECT_TIMEOUT", "10"))
CLAIMTRAIL_FETCH_READ_TIMEOUT = float(os.environ.get("CLAIMTRAIL_FETCH_READ_TIMEOUT", "20"))
# Decoded bytes: a compressed body is cut off when its decompressed size passes this.
CLAIMTRAIL_FETCH_MAX_BYTES = int(os.environ.get("CLAIMTRAIL_FETCH_MAX_BYTES", str(32 << 20)))
CLAIMTRAIL_FETCH_MAX_REDIRECTS = int(os.environ.get("CLAIMTRAIL_FETCH_MAX_REDIRECTS", "5"))
CLAIMTRAIL_FETCH_USER_AGENT = os.environ.get(
    "CLAIMTRAIL_FETCH_USER_AGENT",
    "Claimtrail/1.0 (newsroom archiving of cited sources for fact-checking)",
)
# Addresses or networks fetched despite being private or loopback. For tests and local demos
# only: empty by default, and nothing in production should need it.
CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = env_list("CLAIMTRAIL_FETCH_ALLOW_ADDRESSES")
# Dotted path of a callable (host, port) -> [addresses], replacing the system resolver (tests).
CLAIMTRAIL_FETCH_RESOLVER = os.environ.get("CLAIMTRAIL_FETCH_RESOLVER", "")
# A CA bundle to verify HTTPS against instead of the system's (tests with a local CA).
CLAIMTRAIL_FETCH_CA_BUNDLE = os.environ.get("CLAIMTRAIL_FETCH_CA_BUNDLE", "")
# Social posts: the forms that carry the text are fetched instead of the script shells.
CLAIMTRAIL_X_OEMBED_ENDPOINT = os.environ.get(
    "CLAIMTRAIL_X_OEMBED_ENDPOINT", "https://publish.twitter.com/oembed"
)
CLAIMTRAIL_TELEGRAM_EMBED_ORIGIN = os.environ.get(
    "CLAIMTRAIL_TELEGRAM_EMBED_ORIGIN", "https://t.me"
)
# Uploaded documents (PDF, screenshots, correspondence).
CLAIMTRAIL_UPLOAD_MAX_BYTES = int(os.environ.get("CLAIMTRAIL_UPLOAD_MAX_BYTES", str(25 << 20)))
# A capture that fails for a transient reason (timeout, 503, DNS hiccup) is tried this many times.
CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS = int(os.environ.get("CLAIMTRAIL_CAPTURE_MAX_ATTEMPTS", "4"))

# --- Background work (config/celery.py) ---------------------------------------------------------
# With REDIS_URL, Redis is the broker; without it, kombu's filesystem transport under var/queue
# (one machine, no extra service: the embedded default of `make run`).
REDIS_URL = os.environ.get("REDIS_URL", "")
CLAIMTRAIL_QUEUE_DIR = Path(os.environ.get("CLAIMTRAIL_QUEUE_DIR", VAR_DIR / "queue"))
# A capture's soft limit leaves the fetch its whole deadline plus time for WARC and extraction;
# the hard limit kills a worker child that ignored the soft one.
CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT = float(
    os.environ.get("CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT", str(CLAIMTRAIL_FETCH_DEADLINE + 30))
)
CLAIMTRAIL_CAPTURE_TIME_LIMIT = float(
    os.environ.get("CLAIMTRAIL_CAPTURE_TIME_LIMIT", str(CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT + 30))
)
# Backoff between attempts of a transient failure: base doubling per attempt, capped, jittered.
CLAIMTRAIL_CAPTURE_RETRY_BASE = float(os.environ.get("CLAIMTRAIL_CAPTURE_RETRY_BASE", "30"))
CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY = float(
    os.environ.get("CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY", "600")
)
# How often the sweeper looks for pending rows nobody enqueued and rows a dead worker left.
CLAIMTRAIL_SWEEP_INTERVAL = float(os.environ.get("CLAIMTRAIL_SWEEP_INTERVAL", "30"))
# A pending row younger than this is left to the message sent when it was saved.
CLAIMTRAIL_SWEEP_PENDING_AFTER = float(os.environ.get("CLAIMTRAIL_SWEEP_PENDING_AFTER", "10"))
# Publishing a message never holds a request longer than this when the broker is down.
CLAIMTRAIL_ENQUEUE_TIMEOUT = float(os.environ.get("CLAIMTRAIL_ENQUEUE_TIMEOUT", "1.0"))

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        # A message not acknowledged within this is delivered again. It must exceed the longest
        # a task can hold one: the hard time limit plus the longest retry countdown.
        "visibility_timeout": int(
            CLAIMTRAIL_CAPTURE_TIME_LIMIT + CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY + 600
        ),
        "socket_connect_timeout": CLAIMTRAIL_ENQUEUE_TIMEOUT,
        # A Redis that accepts connections but never answers holds a publishing request this
        # long at most; consumers' BRPOP waits 1 s at a time, well inside it.
        "socket_timeout": 5,
        "max_retries": 0,
    }
    if REDIS_URL
    else {
        "data_folder_in": str(CLAIMTRAIL_QUEUE_DIR / "messages"),
        "data_folder_out": str(CLAIMTRAIL_QUEUE_DIR / "messages"),
        "control_folder": str(CLAIMTRAIL_QUEUE_DIR / "control"),
        "store_processed": False,
    }
)
CELERY_BROKER_CONNECTION_TIMEOUT = CLAIMTRAIL_ENQUEUE_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Slow network fetches have a queue of their own, so they never starve the other jobs.
CELERY_TASK_ROUTES = {
    "sources.tasks.snapshot_capture": {"queue": "captures"},
    "sources.tasks.link_check": {"queue": "captures"},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "snapshots-sweep": {
        "task": "sources.tasks.snapshots_sweep",
        "schedule": CLAIMTRAIL_SWEEP_INTERVAL,
    },
}
# Link health: how often each cited URL is re-checked (seconds; jittered by ±10%), how many of
# one host's URLs a scheduling round may start, and how far apart (seconds).
CLAIMTRAIL_LINK_CHECK_INTERVAL = float(os.environ.get("CLAIMTRAIL_LINK_CHECK_INTERVAL", "86400"))
CLAIMTRAIL_LINK_CHECK_PER_HOST = int(os.environ.get("CLAIMTRAIL_LINK_CHECK_PER_HOST", "6"))
CLAIMTRAIL_LINK_CHECK_HOST_SPACING = float(
    os.environ.get("CLAIMTRAIL_LINK_CHECK_HOST_SPACING", "10")
)
CLAIMTRAIL_LINK_CHECK_BATCH = int(os.environ.get("CLAIMTRAIL_LINK_CHECK_BATCH", "500"))
CELERY_BEAT_SCHEDULE["link-checks-schedule"] = {
    "task": "sources.tasks.link_checks_schedule",
    "schedule": float(os.environ.get("CLAIMTRAIL_LINK_CHECK_SCHEDULE_EVERY", "60")),
}

# --- Web UI (verification/views/) ----------------------------------------------------------------
LOGIN_URL = "web:signin"
LOGIN_REDIRECT_URL = "web:queue"
LOGOUT_REDIRECT_URL = "web:signin"
