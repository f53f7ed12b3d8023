"""Studio settings: one file, read from the environment with safe defaults.

A fresh clone runs with no variable set: SQLite under ./var, the built-in sandbox as the
provider, emails to the console. Every variable is listed in README.md ("Configuration").
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from studio.web.cardcache import card_cache
from studio.web.env import envbool, envfloat, envint, envlist, envsecret, object_store_config
from studio.web.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

VAR_DIR = Path(os.getenv("STUDIO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", "True")


def _dev_secret(filename: str, make) -> str:
    """A per-checkout secret kept under var/, so development needs no variable."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _random_secret() -> str:
    import secrets

    return secrets.token_urlsafe(50)


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = envsecret("SECRET_KEY") or (DEBUG and _dev_secret("secret_key", _random_secret))
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=False")

# Fernet keys for provider API keys at rest, newest first (comma-separated). Independent of
# SECRET_KEY so that one can rotate without losing the other. Losing them loses stored keys.
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS") or (
    [_dev_secret("field_encryption_key", _fernet_key)] if DEBUG else []
)
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG=False")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

# How people reach the studio; workers (no request) build absolute URLs from it.
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The simulator of both providers (studio.sandbox, mounted at /sandbox/): on with DEBUG, off
# otherwise unless set. Off, the app is not installed and its URLs are not mounted; sandbox
# keys then talk to SANDBOX_BASE_URL, wherever that simulator runs.
SANDBOX_ENABLED = envbool("SANDBOX_ENABLED", "True" if DEBUG else "False")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "studio.generation",  # before django_q: its `qcluster` adds the poll service
    "django_q",
    "studio.accounts",
    *(["studio.sandbox"] if SANDBOX_ENABLED else []),
    "studio.uploads",
    "studio.web",
    "studio.teams",
    "studio.credits",
    "studio.gallery",
    "studio.sharing",
    "studio.console",
    "studio.banwords",
    "studio.imaginelab",
    "studio.media",
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
    "django_htmx.middleware.HtmxMiddleware",
    "studio.teams.middleware.WorkspaceMiddleware",
    "studio.web.middleware.VaryOnHtmxMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

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
                "studio.teams.middleware.workspace",
            ],
        },
    },
]

# SQLite by default, tuned as docs/architecture.md "Pitfalls" §1 measured: IMMEDIATE makes the busy timeout work,
# WAL lets readers run beside the writer. DATABASE_URL switches to PostgreSQL.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"),
}
# --- Scale-out: database, broker, cache (the Redis half is below Q_CLUSTER) ---------------
# DATABASE_URL (postgres://user:password@host:5432/name, needs psycopg) moves everything to a
# server database that several web and worker machines share. Connections are kept for
# DB_CONN_MAX_AGE seconds (one per gunicorn thread and per cluster worker; size PostgreSQL's
# max_connections for that) and checked before reuse, so a restarted server costs one error
# at most. 0 closes each connection at the end of its request (use it behind pgbouncer).
if os.getenv("DATABASE_URL"):
    import dj_database_url

    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=envint("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": SQLITE_OPTIONS,
            # Kept per thread: a new one per request pays its PRAGMAs and a cold page cache.
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 600),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "generation:gallery"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", VAR_DIR / "media"))
# Media is private: served by views that check access, never by a static URL.
MEDIA_URL = "/media-not-public/"
STORE = object_store_config()  # STORAGE_BACKEND=s3: an object store (README "Several machines")
STORAGES = {
    "default": STORE.storage,
    "staticfiles": {
        "BACKEND": os.getenv(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "studio@localhost")
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "True")
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Per-process memory cache (cards' HTML, balances, model lists): a busy gallery has hundreds.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": envint("CACHE_MAX_ENTRIES", 5000)},
    }
}

# --- Providers -------------------------------------------------------------------------------
IMAGINEPRO_BASE_URL = os.getenv("IMAGINEPRO_BASE_URL", "https://api.imaginepro.ai/api/v1")
# Keys marked "sandbox" talk to the studio's own simulator at this address.
SANDBOX_BASE_URL = os.getenv("SANDBOX_BASE_URL", f"{SITE_URL}/sandbox/imaginepro/api/v1").rstrip(
    "/"
)
IMAGINELAB_BASE_URL = os.getenv("IMAGINELAB_BASE_URL", "https://api.imagineview.art/api/v1")
# The ImagineLab simulator, beside the ImaginePro one unless set on its own.
SANDBOX_IMAGINELAB_BASE_URL = os.getenv(
    "SANDBOX_IMAGINELAB_BASE_URL",
    SANDBOX_BASE_URL.rsplit("/sandbox/", 1)[0] + "/sandbox/imaginelab/api/v1",
).rstrip("/")
# HTTP timeouts for provider calls, seconds: (connect, read).
PROVIDER_TIMEOUT = (envfloat("PROVIDER_CONNECT_TIMEOUT", 5), envfloat("PROVIDER_READ_TIMEOUT", 30))

# --- Sandbox ---------------------------------------------------------------------------------
# 1.0 = realistic durations (Midjourney ~25 s, Flux ~8 s); tests use a small fraction.
SANDBOX_TIME_SCALE = envfloat("SANDBOX_TIME_SCALE", 1.0)
SANDBOX_STARTING_CREDITS = envint("SANDBOX_STARTING_CREDITS", 1000)
# The ImagineLab sandbox: how long a sign-in token lives, and its rate limit per account.
SANDBOX_IMAGINELAB_TOKEN_TTL = envint("SANDBOX_IMAGINELAB_TOKEN_TTL", 3600)
SANDBOX_IMAGINELAB_RATE = envint("SANDBOX_IMAGINELAB_RATE", 10)
# A sandbox prompt containing one of these fails as Midjourney's moderation would.
SANDBOX_BANNED_WORDS = envlist("SANDBOX_BANNED_WORDS", "banned,forbidden")

# --- Sandbox faults (fault injection, progress rate) ------------------------------------------
# Whole-sandbox faults injected from the environment, e.g.
# "latency:on=submit:seconds=2;http_429:on=fetch:probability=0.2:seconds=3" (README, "Sandbox
# faults"); parsed in memory by studio/sandbox/faults/, a bad string stops the start.
SANDBOX_FAULTS = os.getenv("SANDBOX_FAULTS", "")
# Progress requests (message fetch) per sliding second per sandbox account, then 429 with
# Retry-After, as the provider documents (10 / s); 0 = no limit.
SANDBOX_PROGRESS_RATE = envint("SANDBOX_PROGRESS_RATE", 10)

# --- Worker ----------------------------------------------------------------------------------
# Seconds between two polls of one running generation (the provider asks for >= 3 s).
POLL_INTERVAL = envfloat("POLL_INTERVAL", 3.0)
# How long one poller task loops before handing over to the next scheduled one.
POLL_LOOP_SECONDS = envfloat("POLL_LOOP_SECONDS", 50.0)
# Pause between passes of the poller loop.
POLL_TICK = envfloat("POLL_TICK", 1.0)
# Seconds between two submits with one key (the provider documents 1 request / 3 s).
SUBMIT_SPACING = envfloat("SUBMIT_SPACING", 3.0)
# Submit attempts for errors that are safe to repeat (connection refused, 429, 5xx).
SUBMIT_MAX_ATTEMPTS = envint("SUBMIT_MAX_ATTEMPTS", 4)
# A download of a result file larger than this is refused (bytes).
ASSET_MAX_BYTES = envint("ASSET_MAX_BYTES", 50 * 1024 * 1024)
PUBLIC_BASE_URL = os.getenv("PUBLIC_BASE_URL", SITE_URL).rstrip("/")  # providers fetch from here
PUBLIC_URL_MAX_AGE = envint("PUBLIC_URL_MAX_AGE", 48 * 3600)  # seconds; >= provider's 24 h history
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)  # per uploaded image file
UPLOAD_MAX_PIXELS = envint("UPLOAD_MAX_PIXELS", 50_000_000)  # width x height; bombs are refused

# --- Worker: webhooks and recovery -------------------------------------------------------------
# Ask the provider to POST each job's result to a per-generation secret URL (webhookOverride).
WEBHOOKS = envbool("WEBHOOKS", "True")
# Where the provider reaches the studio's webhooks; a real key gets one only when public.
WEBHOOK_BASE_URL = os.getenv("WEBHOOK_BASE_URL", PUBLIC_BASE_URL).rstrip("/")
# Seconds between two backstop polls of a job whose webhook is expected (the key's webhooks
# were seen to arrive in the last hour); POLL_INTERVAL otherwise.
WEBHOOK_POLL_INTERVAL = envfloat("WEBHOOK_POLL_INTERVAL", 30.0)
# Seconds between two history lookups of a job whose submit answer was lost.
LOOKUP_INTERVAL = envfloat("LOOKUP_INTERVAL", 10.0)
# A job left "submitting" this long (its worker was killed) is looked up, not re-sent.
SUBMIT_STALE_SECONDS = envfloat("SUBMIT_STALE_SECONDS", PROVIDER_TIMEOUT[1] + 30)
# The poller's lease, renewed by a heartbeat: after a SIGKILL the next poller waits this long.
POLL_LEASE_SECONDS = envfloat("POLL_LEASE_SECONDS", 15.0)
# A download running longer than this (its worker died) is handed to a new task.
DOWNLOAD_LEASE_SECONDS = envfloat("DOWNLOAD_LEASE_SECONDS", 120.0)

Q_CLUSTER = {
    "name": "studio",
    "orm": "default",
    "workers": envint("Q_WORKERS", 2),
    "queue_limit": 4,
    "bulk": 1,
    "poll": envfloat("Q_POLL", 0.2),  # s between the ORM broker's looks for new tasks
    "timeout": 90,
    "retry": 180,  # must exceed timeout (docs/architecture.md "Pitfalls" §1)
    "ack_failures": True,
    "max_attempts": 1,  # submits cost credits: retries are decided by our code
    "save_limit": 250,
    "catch_up": False,
    "label": "Tasks",
}

# --- Scale-out: database, broker, cache (continued) -------------------------------------------
# REDIS_URL (redis://host:6379/0) puts django-q2's queue on Redis instead of the database,
# and the shared cache (rate limits, provider balances, model lists) on Redis, so every web
# process and cluster sees the same counts. Finished gallery cards' HTML (the "cards" alias) is
# shared by every process too, so a new worker finds the cards another drew: in files under
# var/cache/cards with each process's memory in front (the default, Redis or not), in Redis with
# CARD_CACHE=redis, or in each process's memory with CARD_CACHE=memory (studio.web.cardcache).
REDIS_URL = os.getenv("REDIS_URL", "")
CACHES["cards"] = card_cache(os.getenv("CARD_CACHE", ""), REDIS_URL, VAR_DIR)
if REDIS_URL:
    Q_CLUSTER.pop("orm", None)
    Q_CLUSTER["redis"] = REDIS_URL
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.getenv("CACHE_KEY_PREFIX", "studio"),
    }

LOGGING = logging_config(level=os.getenv("LOG_LEVEL", "INFO"))

# --- Security: CSP, production headers, rate limits, typed links ------------------------------
INSTALLED_APPS += ["csp", "django_ratelimit"]
# Right after SecurityMiddleware: every answer, pages and fragments alike, carries the policy.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "csp.middleware.CSPMiddleware")  # fmt: skip
# Only our own origin. No 'unsafe-inline' and no 'unsafe-eval': templates carry no inline
# script, style attribute or on* handler (tests/security/test_csp.py), htmx runs without
# eval (no hx-on, no js: values) and injects no <style> (the htmx-config meta in base.html).
# img-src adds data: (Pico's own icons are data: SVGs in its stylesheet; the mask editor
# redraws a kept mask from its data: URL) and blob: (previews of files chosen for upload).
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:", "blob:"],
        "media-src": [_SELF],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": ["'none'"],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [_SELF],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # HTTPS only (behind the proxy that sets X-Forwarded-Proto, see above). One year of HSTS,
    # subdomains included; preload marks the header as eligible for browsers' preload lists.
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "True")

# Rate limits (django-ratelimit, fixed windows) in this cache: per process (LocMem) unless
# REDIS_URL makes it shared, which several web processes need.
RATELIMIT_USE_CACHE = os.getenv("RATELIMIT_CACHE", "default")
# Sign-in: per (address, username) and per address; never per username alone, so a stranger
# cannot lock a person out (studio/web/ratelimits.py).
RATELIMIT_LOGIN = os.getenv("RATELIMIT_LOGIN", "10/15m")  # per (IP address, username)
RATELIMIT_LOGIN_ADDRESS = os.getenv("RATELIMIT_LOGIN_ADDRESS", "40/15m")  # per IP address
RATELIMIT_RESET_EMAIL = os.getenv("RATELIMIT_RESET_EMAIL", "3/h")  # per email typed; over: no mail
RATELIMIT_RESET_ADDRESS = os.getenv("RATELIMIT_RESET_ADDRESS", "10/h")  # per IP address
RATELIMIT_SIGNUP = os.getenv("RATELIMIT_SIGNUP", "10/m")  # per IP address
RATELIMIT_SUBMIT = os.getenv("RATELIMIT_SUBMIT", "30/m")  # per person: forms, button presses
# The client address as the proxy in front gives it (e.g. HTTP_X_REAL_IP); else REMOTE_ADDR.
RATELIMIT_IP_META_KEY = os.getenv("RATELIMIT_IP_META_KEY") or None
# W001 only says a backend is missing from the library's list: Django's own RedisCache (which
# REDIS_URL selects) increments atomically. E003 refuses LocMem as "not shared": true, and
# fine for one web process (see above), so it is silenced only for that case.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES[RATELIMIT_USE_CACHE]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Typed image links to internal addresses are refused, except with a sandbox key while this
# is on (default: only with DEBUG). While on, the sandbox fetches from an internal address only
# the studio's own /r/ links (under PUBLIC_BASE_URL or SITE_URL) and the prefixes of
# SANDBOX_TRUSTED_INPUT_URLS (e.g. a developer's local image server); nothing internal else.
SANDBOX_ALLOW_PRIVATE_URLS = envbool("SANDBOX_ALLOW_PRIVATE_URLS", "True" if DEBUG else "False")
SANDBOX_TRUSTED_INPUT_URLS = envlist("SANDBOX_TRUSTED_INPUT_URLS") + STORE.trusted_inputs
# Origins ("http://host:port") whose result links the worker fetches although they resolve to
# an internal address (studio.web.outbound, docs/architecture.md "Outbound fetches"). Unset:
# the studio's own SITE_URL and sandbox origins while SANDBOX_ENABLED is on, else none.
OUTBOUND_TRUSTED_ORIGINS = (
    envlist("OUTBOUND_TRUSTED_ORIGINS") if "OUTBOUND_TRUSTED_ORIGINS" in os.environ else None
)
# Files in one request: the largest form takes 8 images; more is refused before any form
# reads them (a 400 page that says so: templates/400.html).
DATA_UPLOAD_MAX_NUMBER_FILES = envint("UPLOAD_MAX_FILES", 20)
