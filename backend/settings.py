"""All of Rámec's settings, read from the environment in this one module.

Two modes:
- embedded demo (``DEBUG=true``, nothing else set): SQLite under ``var/``, Celery tasks run eagerly
  after commit, e-mail to the console;
- production and CI: ``DEBUG`` off, and the app refuses to start without ``SECRET_KEY`` and
  ``DATABASE_URL``; ``REDIS_URL`` selects a real broker and cache.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from backend.core.pool import CheckUnlessRecentlyUsed

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# A fixed, clearly marked key for the demo only: a random default would silently invalidate
# sessions on every restart, and production must never fall back to any default at all.
_DEMO_SECRET_KEY = "insecure-demo-key-for-local-development-only-never-use-in-production"
_missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not env.str(name, default="")]
if not DEBUG and _missing:
    raise ImproperlyConfigured(
        f"Rámec runs with DEBUG off and needs {' and '.join(_missing)} in the environment. "
        "Set them, or set DEBUG=true for the local demo."
    )

SECRET_KEY = env.str("SECRET_KEY", default=_DEMO_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin with Rámec's rule of who may use it (backend.accounts.admin_site).
    "backend.accounts.apps.RamecAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_fsm",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "backend.core",
    "backend.accounts",
    "backend.projects",
    "backend.notifications",
    "backend.integrations",
    "backend.demo",
    "workflows",
    "backend.energy",
    "backend.strategy",
    "backend.api",
    "backend.web",
    "backend.portal",
]

MIDDLEWARE = [
    # The request id and one JSON log line per request; then the health probes, answered before host validation
    # and the HTTPS redirect (load balancers call containers by IP address over plain HTTP).
    "backend.core.logging.RequestLogMiddleware",
    "backend.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The client's address and path for audit entries written inside services (backend.core.audit).
    "backend.core.audit.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An htmx request after the session ended signs in as a whole page, not inside a fragment; see the module.
    "backend.web.middleware.HtmxSignInMiddleware",
    # A web page's 404 is our own page in DEBUG too (Django would show its debug page); see the module.
    "backend.web.middleware.ApplicationNotFoundMiddleware",
    # Refreshes the session's expiry at most once a minute (SESSION_INACTIVITY_TIMEOUT below).
    "backend.core.sessions.InactivityTimeoutMiddleware",
    # Last, as django-axes asks: turns a sign-in refused for lockout into our lockout page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "backend.web.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ramec.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Values sent apart from the SQL, and a statement run five times on a connection prepared there, so
        # PostgreSQL plans it once per connection, not on every run: planning was most of its time for a
        # transition's reads (0.86 of 1.2 ms), and a submit's wall time fell from 9.5 to 7.4 ms (bench/scale.py).
        # Off behind a pooler that does not keep prepared statements (PgBouncer in transaction mode before 1.21).
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
    parallel_workers = env.str("DATABASE_PARALLEL_WORKERS", default="0").strip()
    if parallel_workers:
        # The workers a query may start beside its own process (PostgreSQL's max_parallel_workers_per_gather, sent
        # when the connection opens). None by default: a web request's queries are short, and starting workers
        # costs more than the scan they share. A prepared statement's generic plan, which cannot know how few rows
        # a value matches, chose two for the approvals inbox's count at 100,000 projects: 18 ms, 8 ms without.
        # Empty leaves the server's own setting (behind PgBouncer, which refuses startup options unless its
        # ignore_startup_parameters names "options", set it on the database or role instead).
        if not (parallel_workers.isascii() and parallel_workers.isdigit()):
            raise ImproperlyConfigured(
                "DATABASE_PARALLEL_WORKERS must be a whole number of workers (0 for none) or empty, "
                f"not {parallel_workers!r}."
            )
        option = f"-c max_parallel_workers_per_gather={int(parallel_workers)}"
        existing = DATABASES["default"]["OPTIONS"].get("options")
        DATABASES["default"]["OPTIONS"]["options"] = f"{existing} {option}" if existing else option
    if env.bool("DATABASE_POOL", default=True):
        # psycopg 3's pool, one per process (gunicorn worker, Celery child); Django requires CONN_MAX_AGE 0 with it.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
            # Seconds a request waits for a free connection before it fails.
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
        # A connection is checked before it is handed out only when it lay idle: one handed out less than this many
        # seconds ago is not (backend.core.pool; 0 checks every one, as Django does).
        check_window = env.float("DATABASE_POOL_CHECK_AFTER", default=1.0)
        if check_window > 0:
            DATABASES["default"]["OPTIONS"]["pool"]["check"] = CheckUnlessRecentlyUsed(check_window)
    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out sign-in before any password is checked. Our subclass only lets
# calls without a request through (the test client, shell scripts): every HTTP sign-in passes its request.
AUTHENTICATION_BACKENDS = [
    "backend.core.lockout.LockoutBackend",
    # Django's model backend that also refuses partner guests with no project left (backend.accounts.backends).
    "backend.accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "backend.accounts.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="cs")
LANGUAGES = [("cs", _("Czech")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "backend" / "locale"]
# One short and one long date style per language, over Django's (backend/formats).
FORMAT_MODULE_PATH = ["backend.formats"]
TIME_ZONE = "Europe/Prague"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "frontend_templates" / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production serves hashed, compressed files collected at build time (collectstatic).
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Redis is optional: without it the demo runs with a local cache and eager Celery tasks.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "backend.core.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Fail fast rather than hang a request when Redis is unreachable.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when Redis is unreachable: the outbox sweep sends what waits.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
    # Longer than the longest retry countdown, so Redis never hands a delayed task out twice.
    "visibility_timeout": 7200,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Workers and beat log through LOGGING below (JSON in production) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# One Redis may serve several installations (staging and production): each then names its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-deliveries": {"task": "backend.notifications.tasks.sweep_pending_deliveries", "schedule": 60.0},
    "send-reminders": {"task": "backend.notifications.tasks.send_reminders", "schedule": 15 * 60.0},
    "send-daily-digests": {
        "task": "backend.notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),  # Europe/Prague, CELERY_TIMEZONE
    },
    "sweep-webhook-deliveries": {"task": "backend.integrations.tasks.sweep_webhook_deliveries", "schedule": 30.0},
    "prune-audit-log": {"task": "backend.core.tasks.audit_prune", "schedule": crontab(hour=3, minute=30)},
    "announce-closed-consultations": {
        "task": "backend.strategy.tasks.consultations_closed_announce",
        "schedule": crontab(hour=6, minute=30),  # the day after a consultation's last day, before the digests
    },
    "prune-unconfirmed-ideas": {
        "task": "backend.portal.tasks.ideas_prune_unconfirmed",
        "schedule": crontab(hour=3, minute=45),
    },
}
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
# Webhooks (backend.integrations): targets in private networks only where allowed (tests, an intranet install);
# each connect and read waits at most the timeout, the whole attempt (connect, send, the answer however slowly it
# drips in) at most the attempt deadline, and reads at most so many bytes of the answer; retried with exponential
# backoff from the base delay; an endpoint failing so many times in a row is disabled; a rotated secret keeps
# signing beside the new one for the overlap.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_ATTEMPT_DEADLINE_SECONDS = env.float("WEBHOOK_ATTEMPT_DEADLINE_SECONDS", default=15.0)
WEBHOOK_MAX_RESPONSE_BYTES = env.int("WEBHOOK_MAX_RESPONSE_BYTES", default=64 * 1024)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)
WEBHOOK_SECRET_OVERLAP_HOURS = env.int("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)
# Absolute links in e-mails point here.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# EMAIL_URL (smtp://user:password@host:587/?tls=True, consolemail://, filemail:///path) becomes Django 6.1's
# MAILERS; the EMAIL_* settings it replaces are deprecated.
# The demo writes e-mails as files under var/mail/ rather than flooding the console.
_email = env.email_url("EMAIL_URL", default="filemail://" if DEBUG else "smtp://localhost:25")
_email_options = {}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _email_options = {
        "host": _email.get("EMAIL_HOST") or "localhost",
        "port": _email.get("EMAIL_PORT") or 25,
        "username": _email.get("EMAIL_HOST_USER", ""),
        "password": _email.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": env.int("EMAIL_TIMEOUT", default=30),
    }
elif _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    _email_options = {"file_path": env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rámec <ramec@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"

# Strict Content-Security-Policy (Django 6's built-in): scripts only from us and with the request's nonce,
# no inline styles, no eval. htmx is configured by a <meta> tag to need neither.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Preloading binds the town's whole registrable domain, every subdomain, to HTTPS in browsers for months: the
    # domain owner's decision, not an application default. check --deploy asks for it unless we say so.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite builds covering indexes (INCLUDE) without their extra columns: they only help PostgreSQL.
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "models.W040"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Inactivity timeout: a session expires this many seconds after the last request. The expiry is pushed forward
# at most once a minute (backend.core.sessions), not on every request, so reading pages does not write the
# session row each time; SESSION_SAVE_EVERY_REQUEST stays off for the same reason.
SESSION_INACTIVITY_TIMEOUT = env.int("SESSION_INACTIVITY_TIMEOUT", default=30 * 60)
SESSION_COOKIE_AGE = SESSION_INACTIVITY_TIMEOUT

# Brute force (django-axes): 5 failed sign-ins of one account from one address lock that pair for 15 minutes;
# the same account from another address still signs in. Attempts live in the database (its default handler),
# so a Redis outage neither blocks sign-in nor forgets a lockout. Retrying during a lockout does not extend it:
# a clerk told "try again in 15 minutes" can. Web and admin answer our lockout page, the API JSON, both 429.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "backend.core.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "backend.core.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "backend.core.lockout.lockout_username"
AXES_ENABLE_ADMIN = True
# Successful sign-ins are not logged by axes: a table of every sign-in with address and browser would grow without
# end; failures and lockouts go to the audit log, which has a retention period.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# The client's address for lockouts and the audit log: REMOTE_ADDR, unless the app runs behind reverse proxies
# that append to X-Forwarded-For; then set their number here (1 for one nginx/load balancer in front of
# gunicorn). Only the entries those proxies appended are trusted, so a client cannot forge its address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Audit log (backend.core.audit): entries older than this are deleted nightly.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Production writes one JSON object a line to stderr (request id, user id, method, path, status, duration_ms on
# request lines; backend.core.logging); the demo writes plain text.
LOG_JSON = env.bool("LOG_JSON", default=not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "backend.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_JSON else "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO").upper()},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an unauthenticated call answers 401 with WWW-Authenticate: Token.
        "backend.api.authentication.TokenAuthentication",
        "backend.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "backend.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["backend.api.filtering.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "backend.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "backend.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "backend.api.throttling.AnonRateThrottle",
        "backend.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        "token_obtain": env.str("API_THROTTLE_TOKEN", default="20/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_MAX_PAGE_SIZE = 200
# A web list counts its rows up to this many and shows "more than N" beyond (as GitLab's "1,000+"): an exact count
# reads every row the user sees (41,000 open tasks of a big town's manager took 0.5 s), a capped one at most N + 1.
# The pages past the cap are still reached by "Next"; exports always hold every row.
WEB_LIST_COUNT_CAP = env.int("WEB_LIST_COUNT_CAP", default=1000)

SPECTACULAR_SETTINGS = {
    "TITLE": "Rámec API",
    "DESCRIPTION": "The Smart City project pipeline of Czech municipalities: projects, transitions, approvals, "
    "tasks, comments, funding and KPIs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1 for the ``webhooks`` section: the messages Rámec sends to a town's endpoints (backend.integrations).
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": "backend.integrations.payloads.OPENAPI_WEBHOOKS",
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "backend.projects.stages.Stage",
        "TaskStatusEnum": "backend.projects.choices.TaskStatus",
        "FundingStatusEnum": "backend.projects.choices.FundingStatus",
        "ApprovalStatusEnum": "workflows.models.ApprovalStatus",
        "StrategyStatusEnum": "backend.strategy.models.StrategyStatus",
        "StrategyItemKindEnum": "backend.strategy.models.ItemKind",
        "KpiKindEnum": "backend.projects.choices.KpiKind",
    },
}

# Attachments of projects and comments (backend.projects.uploads): kept outside the web root, served by no URL
# but the permission-checked download view, under random names. The allowed types are checked by content; the
# list may only narrow the default set (PDF, PNG, JPEG, GIF, WebP, TXT, CSV, DOCX, XLSX, PPTX, ODT, ODS).
ATTACHMENTS_ROOT = env.path("ATTACHMENTS_ROOT", default=VAR_DIR / "attachments")
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Office documents are zip archives: bounds on what they unpack to, against zip bombs.
ATTACHMENT_MAX_UNPACKED_BYTES = env.int("ATTACHMENT_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
ATTACHMENT_MAX_COMPRESSION_RATIO = env.int("ATTACHMENT_MAX_COMPRESSION_RATIO", default=100)
ATTACHMENT_ALLOWED_TYPES = env.list(
    "ATTACHMENT_ALLOWED_TYPES",
    default=[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    ],
)

# Public portal (backend.portal): seconds browsers and proxies may keep a public page before asking again (with
# its ETag, answered 304 when unchanged).
PORTAL_CACHE_SECONDS = env.int("PORTAL_CACHE_SECONDS", default=60)
# An idea's optional photo: JPEG, PNG or WebP of at most this size.
PORTAL_IDEA_PHOTO_MAX_BYTES = env.int("PORTAL_IDEA_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
# ... and of at most this many pixels, refused before it is decoded (a small file can declare a huge picture).
PORTAL_IDEA_PHOTO_MAX_PIXELS = env.int("PORTAL_IDEA_PHOTO_MAX_PIXELS", default=40_000_000)
# A tile server for the portal's map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (follow its usage policy);
# empty: no map, the places are a list. The attribution the tile server requires is shown under the map.
PORTAL_MAP_TILE_URL = env.str("PORTAL_MAP_TILE_URL", default="")
PORTAL_MAP_ATTRIBUTION = env.str("PORTAL_MAP_ATTRIBUTION", default="")
# Citizen ideas (backend.portal.ideas): submissions a client address and an e-mail may make in an hour, days a
# confirmation link works, and days an idea whose e-mail was never confirmed is kept (the consent text says so).
PORTAL_IDEAS_PER_ADDRESS_PER_HOUR = env.int("PORTAL_IDEAS_PER_ADDRESS_PER_HOUR", default=5)
PORTAL_IDEAS_PER_EMAIL_PER_HOUR = env.int("PORTAL_IDEAS_PER_EMAIL_PER_HOUR", default=3)
PORTAL_IDEA_CONFIRM_DAYS = env.int("PORTAL_IDEA_CONFIRM_DAYS", default=7)
PORTAL_IDEA_UNCONFIRMED_DAYS = env.int("PORTAL_IDEA_UNCONFIRMED_DAYS", default=14)

# Domain settings.
RAMEC_DEFAULT_ASSESSMENT_THRESHOLD = 50
# Partner invitations: days an invitation link stays valid.
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
