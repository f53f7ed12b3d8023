"""Studio settings: one file, read from the environment with safe defaults.

A fresh clone runs with no variable set: SQLite under ./var, the built-in sandbox as the
provider, emails to the console. Every variable is listed in README.md ("Configuration").
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    """Read a boolean; anything but "True"/"False" is a configuration error."""
    value = os.getenv(name, default)
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")
    return value == "True"


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def envfloat(name: str, default: float) -> float:
    return float(os.getenv(name, str(default)))


def envsecret(name: str, default: str = "") -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


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

# The address people use to reach the studio. Workers have no request, so absolute URLs
# (the sandbox's base URL, webhooks) are built from this.
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

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
    "django_q",
    "studio.accounts",
    "studio.generation",
    "studio.sandbox",
    "studio.uploads",
    "studio.web",
    "studio.teams",
    "studio.credits",
    "studio.library",
    "studio.sharing",
    "studio.console",
    "studio.banwords",
    "studio.imaginelab",
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

# SQLite by default, tuned as TECH.md §1 measured: IMMEDIATE makes the busy timeout work,
# WAL lets readers run beside the writer. DATABASE_URL switches to PostgreSQL.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"),
}
if os.getenv("DATABASE_URL"):
    import dj_database_url

    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=600, conn_health_checks=True
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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

# Per-process memory cache: finished gallery cards' HTML, provider balances, models lists.
# Several hundred cards make one busy gallery, hence more than the default 300 entries.
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

Q_CLUSTER = {
    "name": "studio",
    "orm": "default",
    "workers": envint("Q_WORKERS", 2),
    "queue_limit": 4,
    "bulk": 1,
    "poll": 0.5,
    "timeout": 90,
    "retry": 180,  # must exceed timeout (TECH.md §1)
    "ack_failures": True,
    "max_attempts": 1,  # submits cost credits: retries are decided by our code
    "save_limit": 250,
    "catch_up": False,
    "label": "Tasks",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "studio.web.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
    },
}
