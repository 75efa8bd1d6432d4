"""Settings for Kooperation, read from environment variables (see README)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kooperation.env import default_storage_from_env, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105 - refused unless DEBUG
SECRET_KEY = env_str("DJANGO_SECRET_KEY", default=_DEV_SECRET if DEBUG else None)
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The public address of the app, used for links in e-mails.
SITE_URL = env_str("KOOPERATION_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# manage.py bench_pages only: two trivial pages (logged-in and anonymous floor) for the benchmark.
KOOPERATION_BENCH = env_bool("KOOPERATION_BENCH", default=False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "kooperation",
    "kooperation.ops",
    "kooperation.network",
    "agreements",
    "conferences",
]

# Typed inputs (number, date, time) never get a value back that their browser field cannot hold.
FORM_RENDERER = "kooperation.core.forms.BrowserValueRenderer"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (see CONTENT_SECURITY_POLICY below).
    "kooperation.core.policy.CachedPolicyCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's SessionMiddleware, but a database failure while saving the session gives the 503 page.
    "kooperation.core.faults.ResilientSessionMiddleware",
    # After SessionMiddleware in the list, so it runs before it on the way out and the save sees the change.
    "kooperation.core.sessions.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Control characters (NUL, escape …) never reach a form, the database or a re-rendered page.
    "kooperation.core.input.StripControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Logs a 403/404 as one INFO line with user id, path and reason.
    "kooperation.core.faults.RefusalLogMiddleware",
    # A signed-in session whose user must use a second factor but has not (yet) only reaches the enrolment page.
    "kooperation.network.middleware.SecondFactorMiddleware",
    # Every page needs a signed-in user unless its view is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-auditlog's actor/address on each log entry, with its signal receiver connected once (not per request).
    "kooperation.core.audit.AuditActorMiddleware",
    # Pages and files with case data are never stored by browsers or proxies (Cache-Control: no-store, private).
    "kooperation.core.caching.NoStoreMiddleware",
    # Last, so it sees the lockout flag set while the view authenticated and can replace the answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kooperation.urls"

TEMPLATES = [
    {
        # Django's backend; its library-name check knows our "i18n" library replaces Django's on purpose.
        "BACKEND": "kooperation.core.template_engine.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kooperation.context_processors.navigation",
            ],
            # `{% load i18n %}` gets Django's tags with a faster {% translate %} for literal messages.
            "libraries": {"i18n": "kooperation.templatetags.i18n_tags"},
        },
    },
]

WSGI_APPLICATION = "kooperation.wsgi.application"

# SQLite is the embedded default; DATABASE_URL (postgres://…) selects PostgreSQL.
_DEFAULT_DB = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", _DEFAULT_DB),
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 600, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that accepts connections but never answers must fail fast (German 503 page),
    # well before gunicorn kills the worker: bound connecting, each statement and unacknowledged sends.
    _timeout = env_int("DJANGO_DB_CONNECT_TIMEOUT", 5, minimum=1)
    _statement_ms = env_int("DJANGO_DB_STATEMENT_TIMEOUT_MS", 15000, minimum=0)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": _timeout,
            "options": f"-c statement_timeout={_statement_ms}",
            "tcp_user_timeout": _timeout * 1000,
            "keepalives": 1,
            "keepalives_idle": 30,
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a concurrent writer instead of failing at once. Write-ahead log: readers never wait for
    # the writer, and a commit appends to the log instead of syncing the whole journal (synchronous=NORMAL
    # is safe with WAL: a power cut may lose the last commits, never corrupt the file).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if DEBUG else DATABASES["default"]["CONN_MAX_AGE"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "network.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes checks the lockout before the password is even looked at; ModelBackend then checks the password.
AUTHENTICATION_BACKENDS = [
    "kooperation.network.throttle.ThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Django's database sessions, the row read with SQL compiled once per connection (kooperation/core/sessions.py).
SESSION_ENGINE = "kooperation.core.sessions"
# Sessions end after this many minutes without a request.
SESSION_COOKIE_AGE = env_int("KOOPERATION_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
# The expiry slides with activity; the session row is rewritten at most once a minute, not on every request.
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Behind a TLS-terminating load balancer these stay on; turn off only for plain-HTTP development.
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer probes the health endpoints over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: only this site's own scripts, styles, fonts and images (plus data: images, which
# Bootstrap's CSS uses for its SVG icons); no inline code or styles, no plugins, no framing, forms post only here.
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
# Enforced; KOOPERATION_CSP_REPORT_ONLY=true only reports violations in the browser console (for trying changes).
if env_bool("KOOPERATION_CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None

# Views (by module) whose pages and downloads show case data: answered with Cache-Control: no-store, private.
NO_STORE_VIEW_MODULES = ["conferences.views", "kooperation.pages.dashboard"]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files are only ever served by views behind a permission check

# Caches. "documents" holds rendered previews (the contract draft) on local disk, shared by every
# gunicorn worker of a server; a key names the agreement, its version and a hash of the rendered
# HTML, so any edit gives a new key and nothing needs invalidating. Not backed up (a cache); with
# several app servers each keeps its own. The default cache stays Django's per-process one.
DOCUMENT_CACHE_DIR = Path(env_str("KOOPERATION_DOCUMENT_CACHE_DIR", str(BASE_DIR / ".cache" / "documents")))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered template fragments that are the same for every user (the navigation per language and
    # role area): per process, nothing personal in them.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
    "documents": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DOCUMENT_CACHE_DIR),
        "TIMEOUT": 7 * 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

# Request limits. The largest legitimate form is a protocol page with four formsets of at most
# 50 rows (kooperation.core.limits.MAX_ROWS) of about ten fields each, or a catalogue of 200 rows
# of seven fields: 3000 fields leave room; more is refused with the 400 page before any form is
# built. Text bodies stay below 2.5 MB (50 rows × a few 20,000-character texts at most).
# Uploaded files do not count against DATA_UPLOAD_MAX_MEMORY_SIZE; a file above
# FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary file instead of memory, and the
# signature upload checks its size (15 MB) from the streamed chunks. The proxy in front should
# cap the whole body (e.g. nginx client_max_body_size 20m).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 3000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Anlagen (files on agreements, meetings and cases): the largest accepted file in MB.
KOOPERATION_ATTACHMENT_MAX_MB = env_int("KOOPERATION_ATTACHMENT_MAX_MB", 20, minimum=1)
# Invitations (issue 15): how long a link stays valid, and how many one person may send per hour.
KOOPERATION_INVITATION_DAYS = env_int("KOOPERATION_INVITATION_DAYS", 14, minimum=1)
KOOPERATION_INVITATIONS_PER_HOUR = env_int("KOOPERATION_INVITATIONS_PER_HOUR", 200, minimum=1)

# Stored files (contract PDFs, signature and consent scans): local disk, or an S3-compatible
# bucket shared by several app servers when DJANGO_S3_BUCKET is set. Objects stay private.
_DEFAULT_STORAGE = default_storage_from_env()
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
CRISPY_FAIL_SILENTLY = False

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Kooperation <noreply@kooperation.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (django-tasks, Django 6's django.tasks): "immediate" runs them in the request
# (local development, tests); "database" stores them for `manage.py db_worker` (production).
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_TASKS_BACKEND = env_str("DJANGO_TASKS_BACKEND", "immediate").lower()
if _TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"DJANGO_TASKS_BACKEND={_TASKS_BACKEND!r} is not one of immediate, database.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_TASKS_BACKEND], "QUEUES": ["default"]}}
# A failed e-mail is tried this often in all, waiting MAIL_RETRY_SECONDS, then 4×, 16× … as long.
MAIL_MAX_ATTEMPTS = env_int("KOOPERATION_MAIL_MAX_ATTEMPTS", 5, minimum=1)
MAIL_RETRY_SECONDS = env_int("KOOPERATION_MAIL_RETRY_SECONDS", 60, minimum=0)

PASSWORD_RESET_TIMEOUT = env_int("KOOPERATION_PASSWORD_RESET_HOURS", 72, minimum=1) * 3600

# Second factor (django-otp): who must use one; everybody else may.
KOOPERATION_2FA_REQUIRED_ROLES = env_list("KOOPERATION_2FA_REQUIRED_ROLES", ["administration", "leitung"])
_KNOWN_2FA_ROLES = {"administration", "koordination", "mitglied", "leitung", "fachkraft"}
if not set(KOOPERATION_2FA_REQUIRED_ROLES) <= _KNOWN_2FA_ROLES:
    raise ImproperlyConfigured(
        f"KOOPERATION_2FA_REQUIRED_ROLES may only contain {', '.join(sorted(_KNOWN_2FA_ROLES))}; "
        f"got {', '.join(KOOPERATION_2FA_REQUIRED_ROLES)}."
    )
# Between the password and the code step at most this many minutes may pass.
KOOPERATION_2FA_PENDING_MINUTES = 10
OTP_TOTP_ISSUER = "Kooperation"

# Throttled sign-in (django-axes with our handler): per account and per IP address, for password, code and reset.
KOOPERATION_LOGIN_FAILURES_PER_ACCOUNT = env_int("KOOPERATION_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
KOOPERATION_LOGIN_FAILURES_PER_IP = env_int("KOOPERATION_LOGIN_FAILURES_PER_IP", 20, minimum=1)
KOOPERATION_LOCKOUT_MINUTES = env_int("KOOPERATION_LOCKOUT_MINUTES", 15, minimum=1)
KOOPERATION_LOCKOUT_MAX_MINUTES = env_int("KOOPERATION_LOCKOUT_MAX_MINUTES", 24 * 60, minimum=1)
KOOPERATION_RESET_MAILS_PER_ADDRESS = env_int("KOOPERATION_RESET_MAILS_PER_ADDRESS", 3, minimum=1)
KOOPERATION_RESET_MAILS_PER_IP = env_int("KOOPERATION_RESET_MAILS_PER_IP", 10, minimum=1)
AXES_HANDLER = "kooperation.network.throttle.ThrottleHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
# Axes keeps the POST data of failed attempts; passwords are always masked, codes and tokens too.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_USERNAME_CALLABLE = "kooperation.network.throttle.login_name"
AXES_FAILURE_LIMIT = KOOPERATION_LOGIN_FAILURES_PER_ACCOUNT
AXES_COOLOFF_TIME = "kooperation.network.throttle.cool_off"
AXES_LOCKOUT_CALLABLE = "kooperation.network.throttle.lockout_response"
# Attempts during a lockout are refused without extending it, so the growth comes only from new lockouts.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins go to our security log
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False
# Behind the load balancer REMOTE_ADDR is the balancer; the client is the last X-Forwarded-For entry it appended.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", default=False)
AXES_CLIENT_IP_CALLABLE = "kooperation.network.security.client_ip"

# Deletion periods (README, "Datenschutz"): years after a case's Abschluss until it is deleted
# (SGB X § 84, DSGVO Art. 5(1)(e), 17), and years an access-log entry is kept.
RETENTION_CASE_YEARS = env_int("KOOPERATION_RETENTION_CASE_YEARS", 5, minimum=1)
RETENTION_ACCESS_LOG_YEARS = env_int("KOOPERATION_RETENTION_ACCESS_LOG_YEARS", 3, minimum=1)

# The history (Verlauf) keeps who changed what; IP addresses are not needed for that.
AUDITLOG_DISABLE_REMOTE_ADDR = True

LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL.")

# One JSON object per log line, for log collectors; plain text otherwise.
LOG_JSON = env_bool("DJANGO_LOG_JSON", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "kooperation.core.faults.JsonFormatter"},
    },
    "filters": {
        # 403/404 are one INFO line from RefusalLogMiddleware, not a WARNING per refusal.
        "drop_refusals": {"()": "kooperation.core.faults.DropRefusals"},
        # A database outage is reported once a minute per worker, not with a traceback per request.
        "outage_once_a_minute": {"()": "kooperation.core.faults.OutageLogFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_JSON else "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"filters": ["drop_refusals", "outage_once_a_minute"]},
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports every rendering step at INFO; only problems matter in the log.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # One line per task start and end; the worker (`db_worker -v1`) logs them itself.
        "django_tasks": {"level": "WARNING"},
        # Our security log records sign-in failures and lockouts; axes would repeat them with the typed name.
        "axes": {"level": "ERROR"},
    },
}
