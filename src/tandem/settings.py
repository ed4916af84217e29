"""Django settings for Tandem, configured by environment variables.

Everything written at run time lives under TANDEM_DATA_DIR (default ``./var``): the
SQLite database, the generated secret key, uploaded files, logs and the embedded
broker's queues.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import xstatic.pkg.bootstrap
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("TANDEM_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("TANDEM_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("TANDEM_DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("TANDEM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("TANDEM_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",  # security: login throttling and lock-out
    "django_otp",  # security: two-factor sign-in
    "django_otp.plugins.otp_totp",
    "csp",  # security: Content-Security-Policy
    "tandem.core",
    "tandem.core.jobs",
    "tandem.core.notifications",
    "tandem.core.attachments",
    "tandem.core.documents",
    "tandem.operations",
    "tandem.partners",
    "tandem.catalog",
    "tandem.accounting",
    "tandem.inventory",
    "tandem.purchasing",
    "tandem.manufacturing",
    "tandem.planning",
    "tandem.crm",
    "tandem.sales",
    "tandem.integrations.imports",
    "tandem.integrations.letters",
    "tandem.integrations.webhooks",
    "tandem.administration",
    "tandem.api",
    "tandem.web",
]

MIDDLEWARE = [
    "tandem.operations.middleware.RequestContextMiddleware",  # ops: request ID, access log, metrics; first
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # security
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tandem.core.middleware.PrivateResponsesMiddleware",  # security: no-store when signed in
    "django_otp.middleware.OTPMiddleware",  # security: request.user.is_verified()
    "tandem.core.middleware.UserLanguageMiddleware",  # the language saved on the user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tandem.core.middleware.ActiveCompanyMiddleware",
    "tandem.administration.middleware.SecurityMiddleware",  # two-factor step, idle expiry
    "axes.middleware.AxesMiddleware",  # security: lock-out page (keep last)
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

FORM_RENDERER = "tandem.web.rendering.FormRenderer"
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
                "django.template.context_processors.i18n",
                "tandem.web.context_processors.shell",
            ],
        },
    },
]


def postgresql_options(from_url: dict[str, object]) -> dict[str, object]:
    """The PostgreSQL connection's options: parameters bound by the server and a statement
    prepared from its second use on a connection, so the server parses and plans each of the
    ORM's few hundred distinct statements once per connection rather than on every call (order
    to cash: the server's CPU per order about halved — bench/README.md). Options in
    DATABASE_URL's query win: ``?prepare_threshold=5``, or ``?server_side_binding=false``
    (client-side binding, nothing prepared) behind a pooler that cannot keep prepared
    statements (PgBouncer in transaction mode before 1.21)."""
    return {"server_side_binding": True, "prepare_threshold": 1, **from_url}


DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tandem.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue (busy timeout) instead of failing on lock upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not shared-cache memory: the browser tests' live server is threaded, and only
    # a file database has the same locking (WAL, busy timeout) as production.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["OPTIONS"] = postgresql_options(DATABASES["default"].get("OPTIONS", {}))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("pl", _("Polish")),
    ("sl", _("Slovenian")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tandem.formats"]  # English dates day-first (ISO), never the US order
TIME_ZONE = os.environ.get("TANDEM_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STATIC_ROOT.mkdir(exist_ok=True)


def _static_storage() -> str:
    if DEBUG:
        return "django.contrib.staticfiles.storage.StaticFilesStorage"
    if _env_flag("TANDEM_COMPRESS_STATIC"):
        return "whitenoise.storage.CompressedManifestStaticFilesStorage"
    return "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names need `collectstatic` (which `tandem run` does); debugging serves the
    # packages' files straight from the finders. Pre-compressing (gzip + brotli) every
    # asset takes minutes on a first run, so it is opt-in: TANDEM_COMPRESS_STATIC=1.
    "staticfiles": {"BACKEND": _static_storage()},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("TANDEM_SESSION_AGE", 60 * 60 * 12))
SESSION_COOKIE_SECURE = _env_flag("TANDEM_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tandem.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tandem.api.permissions.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "tandem.api.pagination.KeysetPagination",
    # JSON bodies only (see ``tandem.api.viewsets.ServiceViewSet.parser_classes``): anything else is a 415.
    "DEFAULT_PARSER_CLASSES": ["tandem.api.parsers.DecimalJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_FILTER_BACKENDS": ["tandem.api.filtering.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tandem.api.errors.problem_details_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Partners, products and the documents around them; each person's notifications.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PartnerKindEnum": "tandem.partners.models.Partner.Kind",
        "AddressKindEnum": "tandem.partners.models.Address.Kind",
        "ProductKindEnum": "tandem.catalog.models.Product.Kind",
        "JournalKindEnum": "tandem.accounting.models.Journal.Kind",
        "InvoiceKindEnum": "tandem.accounting.models.Invoice.Kind",
        "FiscalPositionKindEnum": "tandem.accounting.models.FiscalPosition.Kind",
        "JournalEntryStateEnum": "tandem.accounting.models.JournalEntry.State",
        "DocumentStateEnum": "tandem.accounting.models.Invoice.State",  # payments share it
        "StatementSourceEnum": "tandem.accounting.models.BankStatement.Source",
        "DealSourceEnum": "tandem.crm.models.Deal.Source",
        "ActivityKindEnum": "tandem.crm.models.Activity.Kind",
        "CommunicationChannelEnum": "tandem.crm.models.Communication.Channel",
        "CommunicationDirectionEnum": "tandem.crm.models.Communication.Direction",
        "CommunicationStatusEnum": "tandem.crm.models.Communication.Status",
        # a payment's direction kept its name when call events and communications added theirs
        "DirectionEnum": "tandem.accounting.models.Payment.Direction",
        "CallEventKindEnum": "tandem.crm.calls.EVENTS",
        "LeadSourceEnum": "tandem.crm.models.Lead.Source",
        "LeadStateEnum": "tandem.crm.models.Lead.State",
        "DealStateEnum": "tandem.crm.models.Deal.State",
        "LocationKindEnum": "tandem.inventory.models.Location.Kind",
        "TransferKindEnum": "tandem.inventory.models.Transfer.Kind",
        "BomKindEnum": "tandem.manufacturing.models.Bom.Kind",
        "QualityPointKindEnum": "tandem.manufacturing.models.QualityPoint.Kind",
        "ManufacturingOrderSourceEnum": "tandem.manufacturing.models.ManufacturingOrder.Source",
        # named once two serializers (the row and the detail) carry them
        "ManufacturingOrderStateEnum": "tandem.manufacturing.models.ManufacturingOrder.State",
        "PurchaseRequestStateEnum": "tandem.purchasing.models.PurchaseRequest.State",
        "PurchaseOrderStateEnum": "tandem.purchasing.models.PurchaseOrder.State",
    },
}

# Background work: Celery. The embedded default needs no broker server: kombu's
# filesystem transport keeps queues under the data directory.
_QUEUE_DIR = DATA_DIR / "queue"
BROKER_URL = os.environ.get("TANDEM_BROKER_URL", "filesystem://")
CELERY_BROKER_URL = BROKER_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = _env_flag("TANDEM_TASKS_EAGER")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_QUEUE_DIR),
        "data_folder_out": str(_QUEUE_DIR),
        "processed_folder": str(DATA_DIR / "queue-processed"),
        "control_folder": str(DATA_DIR / "queue-control"),
        "store_processed": False,
    }
    if BROKER_URL.startswith("filesystem")
    else {}
)
if BROKER_URL.startswith("filesystem"):
    _QUEUE_DIR.mkdir(exist_ok=True)

# --- Jobs, schedules and webhooks (tandem.core.jobs, tandem.integrations.webhooks) ---------
# Beat entries come from the @jobs.scheduled declarations (wired in tandem.celery).
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long jobs: a worker takes one message at a time
# A broker that is down must not hang a web request: give up sending quickly; the job stays
# queued and the stale-job sweeper sends it again.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
TANDEM_JOBS_QUEUE = os.environ.get("TANDEM_JOBS_QUEUE") or None  # default: Celery's "celery" queue
TANDEM_JOB_STALE_AFTER = int(os.environ.get("TANDEM_JOB_STALE_AFTER", 600))  # s without heartbeat
TANDEM_JOB_REQUEUE_AFTER = int(os.environ.get("TANDEM_JOB_REQUEUE_AFTER", 900))  # s queued, unsent
TANDEM_WEBHOOK_TIMEOUT = float(os.environ.get("TANDEM_WEBHOOK_TIMEOUT", 10))
TANDEM_WEBHOOK_DISABLE_AFTER = int(os.environ.get("TANDEM_WEBHOOK_DISABLE_AFTER", 15))
# Webhooks go to public addresses only; networks listed here (comma-separated CIDRs, e.g. an
# internal receiver "10.20.0.0/16") may be reached too. See docs/admin/security.md.
TANDEM_WEBHOOK_ALLOWED_NETWORKS = [
    network.strip()
    for network in os.environ.get("TANDEM_WEBHOOK_ALLOWED_NETWORKS", "").split(",")
    if network.strip()
]
# --- end of jobs, schedules and webhooks ---------------------------------------------------

LOG_DIR = DATA_DIR / "logs"
LOG_DIR.mkdir(exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "file": {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(LOG_DIR / "tandem.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console", "file"], "level": os.environ.get("TANDEM_LOG_LEVEL", "INFO")},
}

TANDEM_LIST_COUNT_CAP = 1000

# --- E-mail (tandem.core.notifications, see docs/admin/email.md) ---------------------------
# TANDEM_SMTP_URL: smtp://user:pass@host:587?starttls=1, smtps://user:pass@host:465 or
# console://; unset, every message is written as an .eml file under DATA_DIR/mail.
from tandem.core.notifications.config import email_settings as _email_settings  # noqa: E402

globals().update(_email_settings(os.environ.get("TANDEM_SMTP_URL"), DATA_DIR))
DEFAULT_FROM_EMAIL = os.environ.get("TANDEM_MAIL_FROM", "Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in e-mails (a notification's "Open" link) start with this address.
TANDEM_BASE_URL = os.environ.get("TANDEM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
TANDEM_EMAIL_MAX_RETRIES = int(os.environ.get("TANDEM_EMAIL_MAX_RETRIES", "5"))

# --- Attachments storage (tandem.core.attachments, see docs/admin/attachments.md) ---------
# Uploaded files go to MEDIA_ROOT (DATA_DIR/media), or to S3-compatible storage when
# TANDEM_S3_BUCKET is set (+ TANDEM_S3_ENDPOINT_URL, _ACCESS_KEY, _SECRET_KEY, _REGION).
from tandem.core.attachments.config import default_storage as _default_storage  # noqa: E402
from tandem.core.attachments.config import max_upload_bytes as _max_upload_bytes  # noqa: E402

STORAGES["default"] = _default_storage(os.environ)
TANDEM_ATTACHMENT_MAX_BYTES = _max_upload_bytes(os.environ)

# The CRM's mailbox, polled over IMAP for e-mail to log on the customer card (tandem.crm.config).
from tandem.crm.config import mailbox as _crm_mailbox  # noqa: E402

TANDEM_CRM_MAILBOX = _crm_mailbox(os.environ)
# Call events from the phone system: how old a signed event may be, in seconds.
TANDEM_CRM_CALL_EVENT_WINDOW = int(os.environ.get("TANDEM_CRM_CALL_EVENT_WINDOW", "300"))

# --- Security (tandem.administration, see docs/admin/security.md) -------------------------
from datetime import timedelta  # noqa: E402

# Login throttling: django-axes locks a username at one IP address after
# TANDEM_LOGIN_FAILURE_LIMIT failures for TANDEM_LOCKOUT_MINUTES; an administrator can unlock
# it under Settings → Security.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("TANDEM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("TANDEM_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "administration/locked_out.html"
AXES_VERBOSE = False
# Two-factor sign-in (django-otp, TOTP): the issuer name shown in authenticator apps.
OTP_TOTP_ISSUER = os.environ.get("TANDEM_OTP_ISSUER", "Tandem")
# Sessions end TANDEM_SESSION_AGE seconds after sign-in (above) and, when
# TANDEM_SESSION_IDLE is set (seconds, 0 = off), after that long without a request.
TANDEM_SESSION_IDLE = int(os.environ.get("TANDEM_SESSION_IDLE", "0"))
# Content-Security-Policy on every response (django-csp 4): no inline script or style.
from tandem.administration.csp import swagger_ui_style_hashes as _swagger_ui_style_hashes  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", *_swagger_ui_style_hashes()],  # hash: /api/docs/'s static reset
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production over HTTPS: TANDEM_HTTPS=1 turns on secure cookies, HSTS and the redirect to
# https (TANDEM_SSL_REDIRECT=0 when the proxy redirects). Behind a proxy that terminates TLS,
# TANDEM_PROXY_SSL_HEADER=1 trusts its X-Forwarded-Proto header (only if the proxy sets it).
TANDEM_HTTPS = _env_flag("TANDEM_HTTPS") and not DEBUG
if TANDEM_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("TANDEM_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("TANDEM_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_flag("TANDEM_HSTS_PRELOAD")
    SECURE_SSL_REDIRECT = _env_flag("TANDEM_SSL_REDIRECT", True)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment a site owner makes on purpose (hstspreload.org): opt in
        # with TANDEM_HSTS_PRELOAD=1. Until then Django's reminder about it is not a finding.
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
    if not SECURE_SSL_REDIRECT:
        # The proxy in front redirects http to https (documented requirement of the switch).
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W008"]
if _env_flag("TANDEM_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Operations (tandem.operations, see docs/admin/operations.md) ---------------------------
# Cache: Redis at TANDEM_CACHE_URL (redis://host:6379/1), else per-process local memory.
# Logs: TANDEM_LOG_FORMAT=json|plain (default json unless TANDEM_DEBUG); every line carries
# the request ID (X-Request-ID) and the user ID. /metrics/: administrators, or anyone from
# TANDEM_METRICS_ALLOWED_IPS (addresses or CIDR networks, default loopback).
from tandem.operations import config as _ops_config  # noqa: E402

CACHES = _ops_config.cache_settings(os.environ.get("TANDEM_CACHE_URL"))
TANDEM_LOG_FORMAT = _ops_config.log_format(os.environ.get("TANDEM_LOG_FORMAT"), debug=DEBUG)
LOGGING = _ops_config.logging_settings(LOGGING, TANDEM_LOG_FORMAT)
TANDEM_METRICS_ALLOWED_NETWORKS = _ops_config.allowed_networks(os.environ.get("TANDEM_METRICS_ALLOWED_IPS"))
TANDEM_HEARTBEAT_STALE_AFTER = int(os.environ.get("TANDEM_HEARTBEAT_STALE_AFTER", "120"))  # seconds
# JSON lines from the worker too: Celery keeps the handlers configured above.
CELERY_WORKER_HIJACK_ROOT_LOGGER = TANDEM_LOG_FORMAT != "json"
# Load balancers and Prometheus probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics/$"]
# --- end of operations ----------------------------------------------------------------------

# --- Documents (tandem.core.documents, see docs/admin/documents.md) -------------------------
# PAdES signing for every company that has not uploaded its own certificate: a PKCS#12
# bundle (.p12/.pfx) on disk and its password. Unset: only uploaded certificates sign.
TANDEM_SIGNING_P12 = os.environ.get("TANDEM_SIGNING_P12", "")
TANDEM_SIGNING_P12_PASSWORD = os.environ.get("TANDEM_SIGNING_P12_PASSWORD", "")
# The longest a user-edited document template may take to render, in seconds.
TANDEM_DOCUMENTS_RENDER_SECONDS = float(os.environ.get("TANDEM_DOCUMENTS_RENDER_SECONDS", "2"))
# Each render in a forked child limited in memory and time; "0" renders in-process (debugging only).
TANDEM_DOCUMENTS_RENDER_ISOLATED = os.environ.get("TANDEM_DOCUMENTS_RENDER_ISOLATED", "1") != "0"
# WeasyPrint and fontTools report every layout step at INFO; keep their warnings only.
LOGGING.setdefault("loggers", {}).update(  # type: ignore[attr-defined]
    {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}}
)
# --- end of documents -----------------------------------------------------------------------

# --- Imports (tandem.integrations.imports; docs/admin/import.md) ----------------------------
TANDEM_IMPORT_MAX_MB = int(os.environ.get("TANDEM_IMPORT_MAX_MB", 50))  # largest upload
TANDEM_IMPORT_MAX_ROWS = int(os.environ.get("TANDEM_IMPORT_MAX_ROWS", 1_000_000))  # rows per file
TANDEM_IMPORT_MAX_CELL = 10_000  # characters in one cell
TANDEM_IMPORT_MAX_COLUMNS = int(os.environ.get("TANDEM_IMPORT_MAX_COLUMNS", 1_000))  # columns per row
TANDEM_IMPORT_MAX_CELLS = int(os.environ.get("TANDEM_IMPORT_MAX_CELLS", 10_000_000))  # cells per file
TANDEM_IMPORT_MAX_UNPACKED_MB = int(os.environ.get("TANDEM_IMPORT_MAX_UNPACKED_MB", 500))  # XLSX unzipped
TANDEM_IMPORT_BACKGROUND_ROWS = int(os.environ.get("TANDEM_IMPORT_BACKGROUND_ROWS", 1000))  # larger: a job
TANDEM_IMPORT_KEEP_DAYS = int(os.environ.get("TANDEM_IMPORT_KEEP_DAYS", 30))  # then uploads are deleted
# --- end of imports -------------------------------------------------------------------------
