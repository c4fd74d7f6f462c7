"""Settings, read once from the environment (12-factor).

With no environment at all the service runs in development mode on SQLite and an embedded
filesystem broker; `DJANGO_ENV=production` makes every secret mandatory.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from ctm_integration.local_secrets import local_secret
from integrations.providers.django_apps import provider_apps

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# Development-only state (generated keys, SQLite file, embedded broker); git-ignored.
LOCAL_DIR = Path(env.str("LOCAL_STATE_DIR", default=str(BASE_DIR / ".local")))
ENVIRONMENT = env.str("DJANGO_ENV", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {ENVIRONMENT!r}")
IS_PRODUCTION = ENVIRONMENT == "production"


def required(name: str) -> str:
    """A variable production cannot start without."""
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


if IS_PRODUCTION:
    SECRET_KEY = required("SECRET_KEY")
    FIELD_ENCRYPTION_KEY = [k.strip() for k in required("FIELD_ENCRYPTION_KEY").split(",") if k.strip()]
    DATABASE_URL = required("DATABASE_URL")
    REDIS_URL = required("REDIS_URL")
    ALLOWED_HOSTS = [h.strip() for h in required("ALLOWED_HOSTS").split(",") if h.strip()]
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or local_secret(LOCAL_DIR / "secret_key", kind="django")
    FIELD_ENCRYPTION_KEY = [
        k.strip()
        for k in (
            env.str("FIELD_ENCRYPTION_KEY", default="")
            or local_secret(LOCAL_DIR / "field_encryption_key", kind="fernet")
        ).split(",")
        if k.strip()
    ]
    DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{LOCAL_DIR / 'db.sqlite3'}")
    REDIS_URL = env.str("REDIS_URL", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)

INSTALLED_APPS = [
    "dashboard.apps.DashboardAdminConfig",  # django.contrib.admin, with the dashboard on its index
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_celery_beat",
    "encrypted_model_fields",
    "django_ratelimit",
    "accounts",
    "integrations",
    *provider_apps(),  # the provider folders with their own admin and commands (CTM's)
    "notifications",
    "dashboard",
    "outbound",
]

MIDDLEWARE = [
    # First: /healthz and /readyz are answered before host checks, HTTPS redirects, sessions and auth.
    "ctm_integration.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files (admin, API docs) in production too
    "ctm_integration.api.middleware.ApiErrorEnvelopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns an admin login refused by django-axes into the lockout page (the API answers its own 429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ctm_integration.urls"
WSGI_APPLICATION = "ctm_integration.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A dead or unreachable server fails a connection in seconds instead of the OS's minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat share the file: wait for locks instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + IP before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",  # the admin: username + password
    "accounts.backends.EmailBackend",  # the API: email + password
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files (admin, API docs) are served by WhiteNoise: in production the files `collectstatic` put in
# STATIC_ROOT, with content-hashed names (cached for ever) and compressed copies; in development straight
# from the installed packages.
STATIC_URL = "static/"
if IS_PRODUCTION:
    STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(LOCAL_DIR / "staticfiles")))
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    WHITENOISE_USE_FINDERS = True

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.AccessTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["ctm_integration.api.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "ctm_integration.api.schema.EnvelopeAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "ctm_integration.api.exceptions.envelope_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SIMPLE_JWT = {
    "AUTH_HEADER_TYPES": ("Bearer",),
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=1)),
    # A refresh answers a new refresh token and the used one is blacklisted: each works once.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

# --- Login lockout (django-axes): per username + client IP, on the API token view and the admin login ----
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.login_lockout.login_name"
AXES_LOCKOUT_CALLABLE = "accounts.login_lockout.admin_lockout_response"
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused without counting, so Retry-After stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False  # no "AXES: BEGIN" line from every process at start
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_CLIENT_IP_CALLABLE = "ctm_integration.client_ip.client_ip"
# Behind N proxies that each append to CLIENT_IP_HEADER, the client is the Nth address from its right
# (0: REMOTE_ADDR, never a header). One definition for the login lockout and the webhook receivers.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="X-Forwarded-For")
# /readyz waits at most this long (seconds) for the broker.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)
# An unreachable database or broker answers 503 STORAGE_UNAVAILABLE with this Retry-After (seconds).
STORAGE_UNAVAILABLE_RETRY_AFTER = env.int("STORAGE_UNAVAILABLE_RETRY_AFTER", default=30)
SPECTACULAR_SETTINGS = {
    "TITLE": "CTM integration service",
    "DESCRIPTION": (
        "Connects accounts to CallTrackingMetrics: credentials, campaigns, calls, webhooks.\n\n"
        "Every answer is an envelope: `{success: true, message, data}` (lists add `pagination`), or "
        "`{success: false, errno, message, code}` (validation errors add `errors`). Each operation lists the "
        "statuses it answers, with their codes. On any path, a method it does not have is a 405 and an "
        "`Accept` header without JSON a 406."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the installed drf-spectacular-sidecar, through our static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},  # no badge from validator.swagger.io
    # Request bodies get their own components: what a client sends (no read-only fields, no blanks
    # where blanks are refused) is not what it receives.
    "COMPONENT_SPLIT_REQUEST": True,
    # The envelope's `success` is `true` in answers and `false` in errors: two one-value enums.
    "ENUM_NAME_OVERRIDES": {
        "SuccessTrueEnum": [(True, True)],
        "SuccessFalseEnum": [(False, False)],
        "EndpointStatusEnum": "integrations.models.WebhookEndpoint.Status",
        "CallStatusEnum": "integrations.models.Call.Status",
        "CampaignStatusEnum": "integrations.models.Campaign.Status",
        "CallDirectionEnum": "integrations.models.Call.Direction",
        "ProviderEnum": "integrations.providers.registry.provider_choices",  # `provider`, a campaign's `integration`
        "OutboundAuthTypeEnum": "outbound.triggers.AUTH_TYPE_CHOICES",
        "OutboundTriggerEnum": "outbound.triggers.TRIGGER_CHOICES",
        "OutboundBodyTypeEnum": "outbound.triggers.BODY_TYPE_CHOICES",
        "OutboundMethodEnum": "outbound.triggers.METHOD_CHOICES",
        "OutboundWebhookStatusEnum": "outbound.models.OutboundWebhook.Status",
        "OutboundDeliveryStatusEnum": "outbound.models.OutboundDelivery.Status",
    },
}
# Schema and docs for anyone, or only for a JWT or a staff session (ctm_integration/api/docs.py).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=not IS_PRODUCTION)

# --- CallTrackingMetrics ------------------------------------------------------------------------
CTM_API_BASE_URL = env.str("CTM_API_BASE_URL", default="https://api.calltrackingmetrics.com/api/v1")
CTM_CONNECT_TIMEOUT = env.float("CTM_CONNECT_TIMEOUT", default=5.0)
CTM_READ_TIMEOUT = env.float("CTM_READ_TIMEOUT", default=60.0)
CTM_MAX_RETRIES = env.int("CTM_MAX_RETRIES", default=3)
CTM_RETRY_BACKOFF = env.float("CTM_RETRY_BACKOFF", default=0.5)
# A Retry-After longer than this is not waited for inside a request: the caller gets 503 at once.
CTM_MAX_RETRY_AFTER = env.float("CTM_MAX_RETRY_AFTER", default=10.0)

# --- Celery ---------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "health_check_interval": 25,
        "unacked_restore_throttle": 1,
    }
else:
    # Embedded broker: kombu's filesystem transport needs no installed service.
    BROKER_DIR = LOCAL_DIR / "broker"
    (BROKER_DIR / "queue").mkdir(parents=True, exist_ok=True)
    (BROKER_DIR / "processed").mkdir(parents=True, exist_ok=True)
    # A host in the URL (the transport ignores it) spares every process kombu's "No hostname was supplied".
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),  # else kombu writes ./control/ wherever it was started
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=270)
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Logging: secrets are redacted from every record, whoever logs it -----------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "ctm_integration.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own console handler (DEBUG only) would print its records a second time and unredacted:
    # they reach the root handler above instead.
    "loggers": {"django": {"handlers": [], "level": env.str("LOG_LEVEL", default="INFO"), "propagate": True}},
}

# --- HTTPS: on by default in production (`manage.py check --deploy` finds nothing), all of it from the env ------
# Behind a TLS-terminating proxy, SECURE_PROXY_SSL_HEADER names the header it sets to "https" (empty: none).
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="X-Forwarded-Proto" if IS_PRODUCTION else "")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.strip().upper().replace("-", "_"), "https") if _proxy_ssl_header.strip() else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
# Paths answered over plain HTTP too. /healthz and /readyz need no entry: they are answered before the redirect.
SECURE_REDIRECT_EXEMPT = env.list("SECURE_REDIRECT_EXEMPT", default=[])
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=IS_PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=IS_PRODUCTION)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=IS_PRODUCTION)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Call sync ------------------------------------------------------------------------------------
CTM_SYNC_INITIAL_DAYS = env.int("CTM_SYNC_INITIAL_DAYS", default=30)
CTM_SYNC_EVERY_MINUTES = env.int("CTM_SYNC_EVERY_MINUTES", default=10)
# A change older than this is history, not news: no notification, no trigger (integrations/news.py).
CALL_NEWS_WINDOW_SECONDS = env.int("CALL_NEWS_WINDOW_SECONDS", default=3600)
CELERY_BEAT_SCHEDULE = {
    "ctm-call-sync": {
        "task": "integrations.tasks.ctm_calls_sync_all",
        "schedule": CTM_SYNC_EVERY_MINUTES * 60,
    },
}

# --- Shared cache: Redis when REDIS_URL is set (one view for every process), memory otherwise -------
# Seconds, per receiver Redis call. Not shorter: a gunicorn process busy on both cores can take tens of
# milliseconds to run the thread whose answer has arrived, and a false timeout trips the breaker (bench/README.md).
WEBHOOK_REDIS_TIMEOUT = env.float("WEBHOOK_REDIS_TIMEOUT", default=0.25)
WEBHOOK_REDIS_BREAKER_SECONDS = env.float("WEBHOOK_REDIS_BREAKER_SECONDS", default=10.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",  # what django-ratelimit supports (atomic INCR)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ctm",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": WEBHOOK_REDIS_TIMEOUT, "SOCKET_TIMEOUT": WEBHOOK_REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_USE_CACHE = "default"
# Zero-configuration run: one web process, so its memory is the shared counter (production, with
# Redis, silences nothing).
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Webhooks -----------------------------------------------------------------------------------
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")  # how providers reach us; else the request's host
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1024 * 1024)
WEBHOOK_TIMESTAMP_TOLERANCE = env.int("WEBHOOK_TIMESTAMP_TOLERANCE", default=900)  # seconds; 0 disables
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=5)
WEBHOOK_RETRY_BACKOFF = env.int("WEBHOOK_RETRY_BACKOFF", default=30)  # seconds, doubled per attempt
WEBHOOK_SWEEP_AFTER = env.int("WEBHOOK_SWEEP_AFTER", default=60)  # a pending delivery this old is re-enqueued
WEBHOOK_DEDUPE_DAYS = env.int("WEBHOOK_DEDUPE_DAYS", default=8)
WEBHOOK_RETENTION_DAYS = max(env.int("WEBHOOK_RETENTION_DAYS", default=30), WEBHOOK_DEDUPE_DAYS)
WEBHOOK_REJECTED_RETENTION_DAYS = env.int("WEBHOOK_REJECTED_RETENTION_DAYS", default=7)  # invalid and unmatched
WEBHOOK_REJECTION_RATE = env.str("WEBHOOK_REJECTION_RATE", default="60/m")  # per client IP and per endpoint
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=100)  # deliveries processed per transaction
WEBHOOK_DRAIN_GATE_SECONDS = env.int("WEBHOOK_DRAIN_GATE_SECONDS", default=10)
# Per process, drain requests are coalesced to one per this many seconds (one always follows the last delivery).
WEBHOOK_DRAIN_REQUEST_SECONDS = env.float("WEBHOOK_DRAIN_REQUEST_SECONDS", default=0.05)
# Endpoint + secrets, per process: while the shared generation vouches for them, and when it cannot be read.
WEBHOOK_LOOKUP_CACHE_SECONDS = env.int("WEBHOOK_LOOKUP_CACHE_SECONDS", default=600)
WEBHOOK_LOOKUP_CACHE_BLIND_SECONDS = env.int("WEBHOOK_LOOKUP_CACHE_BLIND_SECONDS", default=30)
WEBHOOK_SWEEP_EVERY = env.float("WEBHOOK_SWEEP_EVERY", default=30.0)
CELERY_BEAT_SCHEDULE.update(
    {
        "webhook-sweep": {"task": "integrations.tasks.webhook_deliveries_sweep", "schedule": WEBHOOK_SWEEP_EVERY},
        "webhook-purge": {"task": "integrations.tasks.webhook_deliveries_purge", "schedule": 6 * 3600},
    }
)

# --- Notifications --------------------------------------------------------------------------------
EMAIL_HOST = env.str("EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
elif IS_PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    # Development: one log line per email (EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend: whole).
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="ctm_integration.email_log_backend.LogEmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CTM integration <no-reply@localhost>")
# Firebase Cloud Messaging (HTTP v1) service-account credentials: a file, or the JSON itself.
FCM_CREDENTIALS_FILE = env.str("FCM_CREDENTIALS_FILE", default="")
FCM_CREDENTIALS_JSON = env.str("FCM_CREDENTIALS_JSON", default="")
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_BACKOFF = env.int("NOTIFICATION_RETRY_BACKOFF", default=60)
# Deliveries one task sends (their emails over one SMTP session).
NOTIFICATION_SEND_BATCH = env.int("NOTIFICATION_SEND_BATCH", default=50)
WEBHOOK_FAILING_THRESHOLD = env.int("WEBHOOK_FAILING_THRESHOLD", default=5)  # failures within an hour
CELERY_BEAT_SCHEDULE["notification-sweep"] = {
    "task": "notifications.tasks.notification_deliveries_sweep",
    "schedule": 60,
}
CELERY_BEAT_SCHEDULE["jwt-flush-expired"] = {"task": "accounts.tasks.jwt_tokens_flush_expired", "schedule": 24 * 3600}

# --- Outbound webhooks (outbound/) ----------------------------------------------------------------
# The guard that keeps webhooks off loopback, private, link-local, multicast and reserved addresses.
# Off only for development, tests and demos (bin/run sets it); never in production.
OUTBOUND_ALLOW_PRIVATE_TARGETS = env.bool("OUTBOUND_ALLOW_PRIVATE_TARGETS", default=False)
# Waits before each retry (seconds): 5 retries, each wait five times the one before, 24 hours in all.
try:
    OUTBOUND_RETRY_SCHEDULE = [
        int(s) for s in env.list("OUTBOUND_RETRY_SCHEDULE", default=["120", "600", "3000", "15000", "67680"])
    ]
except ValueError:
    raise ImproperlyConfigured("OUTBOUND_RETRY_SCHEDULE must be comma-separated whole seconds") from None
if any(seconds < 0 for seconds in OUTBOUND_RETRY_SCHEDULE):
    raise ImproperlyConfigured("OUTBOUND_RETRY_SCHEDULE cannot hold negative seconds")
OUTBOUND_END_DELAYED_SECONDS = env.int("OUTBOUND_END_DELAYED_SECONDS", default=3600)
OUTBOUND_CONNECT_TIMEOUT = env.float("OUTBOUND_CONNECT_TIMEOUT", default=5.0)
OUTBOUND_READ_TIMEOUT = env.float("OUTBOUND_READ_TIMEOUT", default=10.0)
# Requests in flight to one webhook at once: a hung target holds at most this many worker threads.
OUTBOUND_MAX_IN_FLIGHT = env.int("OUTBOUND_MAX_IN_FLIGHT", default=4)
# A worker sending a delivery holds it this long; after that the sweep assumes the worker died and
# sends it again (at least once, never lost). Longer than any request can take.
OUTBOUND_LEASE_SECONDS = env.int("OUTBOUND_LEASE_SECONDS", default=90)
OUTBOUND_SWEEP_EVERY = env.float("OUTBOUND_SWEEP_EVERY", default=10.0)
OUTBOUND_CALL_LINK_DAYS = env.int("OUTBOUND_CALL_LINK_DAYS", default=7)
OUTBOUND_DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # resource links, when PUBLIC_BASE_URL is not set
OUTBOUND_CA_BUNDLE = env.str("OUTBOUND_CA_BUNDLE", default="")  # CAs for HTTPS targets (default: certifi's)
# Outbound sends wait on other people's servers: their own queue, so a worker (or a pool of threads)
# can be given to them alone. A worker started without -Q consumes both queues.
CELERY_TASK_QUEUES = (Queue("celery"), Queue("outbound"))
CELERY_TASK_ROUTES = {"outbound.tasks.*": {"queue": "outbound"}}
CELERY_BEAT_SCHEDULE["outbound-sweep"] = {
    "task": "outbound.tasks.outbound_deliveries_sweep",
    "schedule": OUTBOUND_SWEEP_EVERY,
}
