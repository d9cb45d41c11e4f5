"""Settings for Appeal Desk, read from environment variables.

Every variable has a development default so that `make run` works on a bare
machine: SQLite, a filesystem Celery broker and a file outbox for emails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("APPEAL_DESK_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
TESTING = "pytest" in sys.modules or env.bool("TESTING", default=False)

_DEV_SECRET = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnop"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "ninja",
    "core",
    "appeals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in the path or query string is refused before a view can put it in a query (core.input_guard).
    "core.input_guard.NulRefusedMiddleware",
    # Before anything reads the body: a body over its route's cap is refused unread.
    "core.uploads.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: sees the user of the page (or the API token's user, set by the view).
    "core.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.usersessions.SessionActivityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.tenancy.CurrentOrganizationMiddleware",
    "core.mfa_policy.RequireTwoFactorMiddleware",
    "core.timezones.ViewerTimezoneMiddleware",
    # Remembers who just wrote, so their next pages read from the primary, not the replica.
    "core.db_router.RecentWritesMiddleware",
    # Last, so that a locked-out login never reaches the view.
    "axes.middleware.AxesMiddleware",
]
# `make run` keeps DEBUG on (runserver's static files and reloading) but shows the app's own error pages.
OWN_ERROR_PAGES = env.bool("OWN_ERROR_PAGES", default=False)
if DEBUG and OWN_ERROR_PAGES:
    MIDDLEWARE.append("core.error_pages.OwnErrorPagesMiddleware")
# The landing page shows the demo login once load_demo has created it (development only by default).
SHOW_DEMO_LOGIN = env.bool("SHOW_DEMO_LOGIN", default=DEBUG)

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
ASGI_APPLICATION = "core.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "core.tenancy.organization_context",
                "core.navigation.navigation",
            ],
            "builtins": ["django.templatetags.static"],
        },
    },
    # Hot pages and partials only (the inbox, list rows, analytics tables, SVG charts): see README, Development.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "core.jinja2.environment",
            "autoescape": True,
            # What templates/jinja2/base.html shows, as templates/base.html (partials rendered inside a Django page
            # do not run these: core.templatetags.jinja_partials).
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "core.tenancy.organization_context",
                "core.navigation.navigation",
                "core.jinja2.csrf_once",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'appeal_desk.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # WAL and a busy timeout let the web process, the worker and beat share one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Optional read replica (PostgreSQL streaming replica): analytics, exports, the API's lists and the weekly
# summaries may read from it (core/db_router.py). In tests it mirrors the default database's name, so the
# replica's copy of the test database is read.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
DATABASE_REPLICA_ENABLED = env.bool("DATABASE_REPLICA_ENABLED", default=True)
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=10.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
DATABASE_READ_YOUR_WRITES_SECONDS = env.int("DATABASE_READ_YOUR_WRITES_SECONDS", default=10)
# Behind PgBouncer in transaction mode a server connection changes hands between transactions: no cursor may
# outlive one (server-side cursors) and no statement may be prepared on one connection and run on another.
DATABASE_POOL_MODE = env.str("DATABASE_POOL_MODE", default="")
if DATABASE_POOL_MODE == "transaction":
    for _database in DATABASES.values():
        if _database["ENGINE"] == "django.db.backends.postgresql":
            _database["DISABLE_SERVER_SIDE_CURSORS"] = True
            _database.setdefault("OPTIONS", {})["prepare_threshold"] = None
# Covering indexes (Index(include=...), analytics) are PostgreSQL-only; on SQLite they are plain indexes, as intended.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "appeals:inbox"
LOGOUT_REDIRECT_URL = "core:login"

# Accounts (django-allauth): email is the login; a new address is verified before it can sign in, so a
# sign-up creates its organization only after the link in the email was opened.
ACCOUNT_ADAPTER = "core.auth_adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "core.forms.SignUpForm", "reset_password": "core.forms.ResetPasswordForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True
# Sign-up and reset answer the same way whether or not the address has an account (it gets an email either way).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
# Password changed/reset, email changed, two-factor added or removed: a security email to the account.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Account emails go to a Celery task (core.tasks.account_email_send); in tests the task runs in-process.
ACCOUNT_EMAIL_TASK_EAGER = env.bool("ACCOUNT_EMAIL_TASK_EAGER", default=TESTING)
# Rate limits, counted in the cache: "amount/period/per" (per ip, key = the email address, or user), comma-separated.
# The test suite turns them off (its tests reuse addresses within minutes) and its rate-limit tests turn them on.
ACCOUNT_RATE_LIMITS_DEFAULT = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip,30/h/ip",
    "reset_password": "10/m/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    # One verification email per address every 3 minutes.
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    # Ours (core.views.members, core.views.tokens), counted by allauth's rate limiter.
    "invite": "30/h/user",
    "api_token_create": "10/h/user",
}
ACCOUNT_RATE_LIMITS = (
    ACCOUNT_RATE_LIMITS_DEFAULT if env.bool("ACCOUNT_RATE_LIMITS_ENABLED", default=not TESTING) else False
)
# Two-factor: TOTP apps, recovery codes and WebAuthn passkeys (also for passwordless login).
MFA_ADAPTER = "core.auth_adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Appeal Desk"
# A code from the previous or next 30-second step is accepted too (clock drift, a code typed at the turn).
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
# Recovery codes are shown (and downloadable) once, right after they are made.
MFA_RECOVERY_CODES_SHOW_ONCE = True
# WebAuthn needs https, except on a developer's or test's plain-http loopback server.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG or TESTING)
# Active sessions list: last seen and IP, refreshed at most every USERSESSIONS_SEEN_SECONDS per session.
USERSESSIONS_TRACK_ACTIVITY = True
USERSESSIONS_SEEN_SECONDS = env.int("USERSESSIONS_SEEN_SECONDS", default=300)

LANGUAGE_CODE = "en-us"
# Display formats: one way to write a date everywhere (core/formats/en/formats.py).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "private")))
# Evidence is never served from a public URL: downloads go through views that check the organization.
MEDIA_URL = "/private-media-not-served/"

_S3_BUCKET = env.str("EVIDENCE_S3_BUCKET", default="")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _S3_BUCKET,
                "endpoint_url": env.str("EVIDENCE_S3_ENDPOINT_URL", default="") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EVIDENCE_MAX_FILE_BYTES = env.int("EVIDENCE_MAX_FILE_BYTES", default=20 * 1024 * 1024)
EVIDENCE_MAX_APPEAL_BYTES = env.int("EVIDENCE_MAX_APPEAL_BYTES", default=100 * 1024 * 1024)
# Images with more pixels are refused as possible decompression bombs (appeals.services.evidence).
EVIDENCE_MAX_IMAGE_PIXELS = env.int("EVIDENCE_MAX_IMAGE_PIXELS", default=50_000_000)
# Request bodies (core.uploads, and the proxy's per-route client_max_body_size): evidence routes take up to
# EVIDENCE_MAX_APPEAL_BYTES, import routes IMPORT_MAX_FILE_BYTES, each plus REQUEST_MAX_BYTES; every other route
# REQUEST_MAX_BYTES. A larger declared body is answered 413 unread.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=1024 * 1024)
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 50

# Forwarded notices (appeals.services.inbound): each organization's private address is
# notices-<token>@INBOUND_MAIL_DOMAIN; point the domain's MX at Postmark or Mailgun inbound, whose webhooks post to
# /inbound/postmark/ and /inbound/mailgun/. A mail over INBOUND_MAIL_MAX_BYTES is refused whole (it cannot exceed
# DATA_UPLOAD_MAX_MEMORY_SIZE, which bounds Postmark's JSON body).
INBOUND_MAIL_DOMAIN = env.str("INBOUND_MAIL_DOMAIN", default="inbound.appealdesk.local")
INBOUND_MAIL_MAX_BYTES = env.int("INBOUND_MAIL_MAX_BYTES", default=5 * 1024 * 1024)
ANYMAIL = {
    # Postmark: the inbound webhook URL carries basic auth, https://user:password@host/inbound/postmark/.
    "WEBHOOK_SECRET": env.str("INBOUND_WEBHOOK_SECRET", default=""),
    # Mailgun: the HTTP webhook signing key of the sending domain (signature of each post).
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
}

# Email: SMTP in production (EMAIL_URL=smtp://user:pass@host:587), a file outbox by default.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Appeal Desk <no-reply@appealdesk.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_OUTBOX_DIR = VAR_DIR / "outbox"
_EMAIL_URL = env.str("EMAIL_URL", default="")
EMAIL_TIMEOUT_SECONDS = env.int("EMAIL_TIMEOUT", default=10)
if _EMAIL_URL:
    _smtp = env.email_url("EMAIL_URL")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp.get("EMAIL_HOST", "localhost"),
                "port": _smtp.get("EMAIL_PORT", 25),
                "username": _smtp.get("EMAIL_HOST_USER", ""),
                "password": _smtp.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": bool(_smtp.get("EMAIL_USE_TLS", False)),
                "use_ssl": bool(_smtp.get("EMAIL_USE_SSL", False)),
                "timeout": EMAIL_TIMEOUT_SECONDS,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(EMAIL_OUTBOX_DIR)},
        }
    }

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport (no server needed).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Broadcast/control messages too; kombu would otherwise write ./control in the working folder.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Publishing must never hang a web request when the broker is down: fail fast, the sweep re-enqueues.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
REMINDER_SWEEP_SECONDS = env.int("REMINDER_SWEEP_SECONDS", default=120)
# Open cases per transaction of a deadline recompute job (appeals.services.recompute).
RECOMPUTE_BATCH_SIZE = env.int("RECOMPUTE_BATCH_SIZE", default=2000)
# Reminder sends: a claim older than the lease is taken over (killed worker); SMTP failures back off
# base * 2^(attempt-1) seconds, capped (always far below the visibility timeout), then fail after
# REMINDER_MAX_ATTEMPTS (12 attempts at the defaults cover an SMTP outage of about 85 minutes).
REMINDER_CLAIM_LEASE_SECONDS = env.int("REMINDER_CLAIM_LEASE_SECONDS", default=300)
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=60)
REMINDER_RETRY_MAX_SECONDS = env.int("REMINDER_RETRY_MAX_SECONDS", default=600)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=12)
# Reminders (and digests) per published task: one task per row made publishing most of a morning sweep.
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=50)
# Destinations (Slack, Teams, webhooks): timeouts, when a failing endpoint is switched off, and whether plain
# http to a loopback address is allowed (development and tests only; production is https to public addresses).
DESTINATION_TIMEOUT_SECONDS = env.int("DESTINATION_TIMEOUT_SECONDS", default=5)
DESTINATION_DISABLE_AFTER = env.int("DESTINATION_DISABLE_AFTER", default=15)
DESTINATIONS_ALLOW_LOOPBACK = env.bool("DESTINATIONS_ALLOW_LOOPBACK", default=DEBUG or TESTING)
CELERY_BEAT_SCHEDULE = {
    "reminder-sweep": {"task": "appeals.tasks.reminders_sweep", "schedule": REMINDER_SWEEP_SECONDS},
    "weekly-summary": {"task": "appeals.tasks.weekly_summaries_send", "schedule": 3600},
    # A recompute job whose task never reached a worker (broker down when the settings were saved) is published
    # again (services.recompute.recompute_jobs_resume).
    "recompute-resume": {"task": "appeals.tasks.recompute_resume", "schedule": 300},
}

# Login throttling (core/lockout.py), for 15 minutes: an email+address pair after 5 failures, an address after 20
# failures over any emails. Never per email alone, so nobody can lock a user out from elsewhere.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "core.lockout.LockoutHandler"
AXES_USERNAME_CALLABLE = "core.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_USERNAME_FORM_FIELD = "username"
# Proxies whose X-Forwarded-For is believed (core/client_ip.py): the front proxy's network, comma-separated CIDRs.
TRUSTED_PROXY_CIDRS = env.list("TRUSTED_PROXY_CIDRS", default=[])

# Security: strict CSP (no inline script, no outside host), secure cookies in production.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions read from the cache (Redis in production), written through to the database: one query less per page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
if not DEBUG:
    # SECURE_COOKIES=false only for a plain-http loopback benchmark behind no proxy.
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Per user and organization, whichever token they use (appeals.api.base.UserOrganizationThrottle).
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
# Active (not revoked) API tokens a user may hold across organizations (core.tokens).
API_TOKENS_PER_USER = env.int("API_TOKENS_PER_USER", default=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

for _folder in (
    VAR_DIR,
    STATIC_ROOT,
    MEDIA_ROOT,
    EMAIL_OUTBOX_DIR,
    CELERY_BROKER_DIR / "queue",
    CELERY_BROKER_DIR / "processed",
    CELERY_BROKER_DIR / "control",
):
    Path(_folder).mkdir(parents=True, exist_ok=True)
