"""Kaiku settings, configured by environment variables.

Every variable is read through a typed helper that fails loudly on a bad value,
so a misconfigured deployment stops at start-up instead of misbehaving later.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key_from_file(path: Path) -> str:
    """A random key generated once into ``path`` (mode 600) and read from it afterwards.

    One server needs no configuration; several servers must share SECRET_KEY instead.
    """
    try:
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
        key = path.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"Set SECRET_KEY, or make SECRET_KEY_FILE writable: {exc}") from exc
    if len(key) < 32:
        raise ImproperlyConfigured(f"{path} holds no usable secret key (under 32 characters)")
    return key


SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or env_bool("KAIKU_DEV", False):
        SECRET_KEY = "dev-only-secret-key-not-for-production"  # noqa: S105
    else:
        SECRET_KEY = _secret_key_from_file(Path(env_str("SECRET_KEY_FILE", str(BASE_DIR / "var" / "secret-key"))))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_ROOT = env_str("SITE_ROOT", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kaiku.accounts",
    "kaiku.audit",
    "kaiku.network",
    "kaiku.cards",
    "kaiku.offers",
    "kaiku.visits",
    "kaiku.door",
    "kaiku.stats",
    "kaiku.portal",
    "kaiku.partners",
    "kaiku.web",
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
]

ROOT_URLCONF = "kaiku.urls"
WSGI_APPLICATION = "kaiku.wsgi.application"

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
                "kaiku.accounts.context_processors.roles",
            ],
        },
    },
]

# SQLite (WAL) is the embedded default; DATABASE_URL switches to PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    # Kaiku's queries are short; PostgreSQL's JIT spent seconds compiling the catalogue's
    # "places left" query (docs/offers.md). Off unless DATABASE_URL sets options itself.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Server-side prepared statements: a statement run twice on a connection is
    # parsed and planned once, which takes about a third off recording a use
    # (README, Performance). Turn off behind a pooler that cannot keep them
    # (PgBouncer before 1.21 in transaction mode): DB_PREPARED_STATEMENTS=false.
    if env_bool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 2)
else:
    DATABASES = {
        "default": {
            # SQLite plus a fair queue for writers (kaiku/dbbackends/sqlite/base.py).
            "ENGINE": "kaiku.dbbackends.sqlite",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "kaiku.sqlite3")),
            # Reuse each thread's connection: opening SQLite and running the PRAGMAs on
            # every request cost more than recording a use (see README, Performance).
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                # IMMEDIATE transactions take the write lock at BEGIN, so the
                # read-count-then-insert of a quota check cannot interleave.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Django 6 behaviour now: a URL typed without a scheme is https.
FORMS_URLFIELD_ASSUME_HTTPS = True
AUTH_USER_MODEL = "accounts.User"
# Django's model backend and database sessions, with the per-request look-ups prepared.
AUTHENTICATION_BACKENDS = ["kaiku.accounts.backends.AccountBackend"]
SESSION_ENGINE = "kaiku.accounts.sessions"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "kaiku_language"
TIME_ZONE = env_str("TIME_ZONE", "Europe/Helsinki")
USE_I18N = True
USE_TZ = True
# Each app keeps its own catalogue in <app>/locale (see scripts/messages.sh).
LOCALE_PATHS: list[Path] = []

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries are installed from npm (package-lock.json) and copied into
# kaiku/static/vendor by `make vendor`; that folder is not committed.
STATICFILES_DIRS = [BASE_DIR / "kaiku" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Content-hashed names, served with a year's caching (whitenoise marks them immutable).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The door page refreshes its revocation list and valid-card set this often while online;
# the server rebuilds a valid-card set when a card changed, at most every MIN_AGE seconds,
# and at least every MAX_AGE seconds.
DOOR_REFRESH_SECONDS = env_int("DOOR_REFRESH_SECONDS", 300)
DOOR_VALID_SET_MIN_AGE = env_int("DOOR_VALID_SET_MIN_AGE", 30)
DOOR_VALID_SET_MAX_AGE = env_int("DOOR_VALID_SET_MAX_AGE", 60)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kaiku@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# The cache holds rate-limit counters (portal sign-in, partner API keys) and the national
# settings. "locmem" is per process: with several app servers use "database", which shares
# the counters through PostgreSQL (run `manage.py createcachetable` once).
CACHE_BACKEND = env_str("CACHE_BACKEND", "locmem")
if CACHE_BACKEND == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_BACKEND == "database":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kaiku_cache"}}
else:
    raise ImproperlyConfigured(f"CACHE_BACKEND must be 'locmem' or 'database', got {CACHE_BACKEND!r}")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kaiku API",
    "DESCRIPTION": "Kaikukortti register: door sync, partner API and open data.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "REDOC_DIST": "SIDECAR",
}

# Ed25519 signing key for card codes: a file path or the PEM itself.
CARD_SIGNING_KEY_FILE = env_str("CARD_SIGNING_KEY_FILE", str(BASE_DIR / "var" / "card-signing-key.pem"))
CARD_SIGNING_KEY = env_str("CARD_SIGNING_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
