"""Kaiku settings, configured by environment variables.

Every variable is read through a typed helper that fails loudly on a bad value,
so a misconfigured deployment stops at start-up instead of misbehaving later.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF, WASM_UNSAFE_EVAL
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
# Development mode (`make run`, the tests): demo data allowed, relaxed production checks.
DEV = DEBUG or env_bool("KAIKU_DEV", False)
# Django's check --deploy asks for 50 characters; shorter keys are refused in production.
MIN_SECRET_KEY_LENGTH = 50


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
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ImproperlyConfigured(f"{path} holds no usable secret key (under {MIN_SECRET_KEY_LENGTH} characters)")
    return key


SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if DEV:
        SECRET_KEY = "dev-only-secret-key-not-for-production"  # noqa: S105
    else:
        SECRET_KEY = _secret_key_from_file(Path(env_str("SECRET_KEY_FILE", str(BASE_DIR / "var" / "secret-key"))))
if not DEV and len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
    raise ImproperlyConfigured(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters long")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_ROOT = env_str("SITE_ROOT", "http://127.0.0.1:8000")
# Encrypts single sign-on client secrets at rest (kaiku/sso/secretbox.py); empty → SECRET_KEY.
SSO_SECRET_KEY = env_str("SSO_SECRET_KEY", "")
HTTPS = SITE_ROOT.startswith("https://")
# How many reverse proxies of ours stand in front of the app and append to
# X-Forwarded-For (nginx alone: 1). kaiku.web.clients.client_address reads it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "kaiku.accounts",
    "kaiku.audit",
    "kaiku.network",
    "kaiku.cards",
    "kaiku.offers",
    "kaiku.visits",
    "kaiku.door",
    "kaiku.pending",
    "kaiku.stats",
    "kaiku.portal",
    "kaiku.outreach",
    "kaiku.partners",
    "kaiku.privacy",
    "kaiku.sso",
    "kaiku.together",
    "kaiku.reports",
    "kaiku.takeover",
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
    # Holds a session that has passed the password but not the second factor away from every page.
    "kaiku.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kaiku.web.middleware.PrivacyHeadersMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock page.
    "axes.middleware.AxesMiddleware",
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
_SQLITE_OPTIONS: dict[str, Any] = {
    # IMMEDIATE transactions take the write lock at BEGIN, so the
    # read-count-then-insert of a quota check cannot interleave.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"),
}
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # sqlite:///path gets the same PRAGMAs as SQLITE_PATH, never the
        # PostgreSQL options below (sqlite3.connect() refuses unknown keywords).
        DATABASES["default"]["OPTIONS"] = {**_SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    else:
        # Kaiku's queries are short; PostgreSQL's JIT spent seconds compiling the catalogue's
        # "places left" query (docs/offers.md). Off unless DATABASE_URL sets options itself.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Server-side prepared statements: a statement run twice on a connection is
    # parsed and planned once, which takes about a third off recording a use
    # (bench/RESULTS.md). Turn off behind a pooler that cannot keep them
    # (PgBouncer before 1.21 in transaction mode): DB_PREPARED_STATEMENTS=false.
    if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and env_bool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 2)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "kaiku.sqlite3")),
            # Reuse each thread's connection: opening SQLite and running the PRAGMAs on
            # every request cost more than recording a use (see bench/RESULTS.md).
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "OPTIONS": dict(_SQLITE_OPTIONS),
        }
    }

# Where `demo_data` saves the demo logins for `demo_logins`; empty: beside the SQLite
# database file, or var/demo-logins-<database name>.json (kaiku/web/demo.py).
DEMO_LOGINS_FILE = env_str("DEMO_LOGINS_FILE", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Django 6 behaviour now: a URL typed without a scheme is https.
FORMS_URLFIELD_ASSUME_HTTPS = True
AUTH_USER_MODEL = "accounts.User"
# Django's model backend and cached database sessions (docs/architecture.md, The hot path).
# django-axes first: it refuses a locked account or client before the password is checked.
AUTHENTICATION_BACKENDS = ["kaiku.accounts.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
# Staff second factor (docs/security.md, "Two factors"): the name authenticator apps show.
# Passkeys take their relying party id and origin from SITE_ROOT.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Kaiku")
# The Django admin never shows a TOTP key, its QR code or a recovery code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "full_name"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Guessing staff passwords (django-axes, docs/security.md): this many wrong passwords
# lock the account, and separately the client address, for AXES_COOLOFF_TIME.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCK_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "kaiku.accounts.lockout.typed_username"
AXES_CLIENT_IP_CALLABLE = "kaiku.accounts.lockout.client_ip"
AXES_CLIENT_STR_CALLABLE = "kaiku.accounts.lockout.log_label"
AXES_LOCKOUT_CALLABLE = "kaiku.accounts.lockout.locked_response"
AXES_RESET_ON_SUCCESS = True
# Successful sign-ins are not kept (no e-mail address or user agent per sign-in).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Unknown partner API keys and door device tokens from one client address
# (kaiku.web.ratelimit.refuse_guessing): this many per window, then 429.
BAD_SECRET_LIMIT = env_int("BAD_SECRET_LIMIT", 20)
BAD_SECRET_WINDOW_SECONDS = env_int("BAD_SECRET_WINDOW_SECONDS", 15 * 60)
# Open data (the API and the CSV) from one client address: this many requests a minute,
# then 429. Anyone may ask, and a table by home municipality groups a year's use facts
# (every year's without ?year=): the limit bounds what one client can make the database do.
OPEN_DATA_LIMIT = env_int("OPEN_DATA_LIMIT", 30)

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

# Production defaults (docs/security.md): right without remembering when SITE_ROOT is https.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 0 if DEV or not HTTPS else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS and not DEV)
# The health check is asked over plain http by the proxy or the orchestrator.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# "HTTP_X_FORWARDED_PROTO,https": the header our proxy sets to say the client used https.
_proxy_ssl = env_list("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO,https" if TRUSTED_PROXY_COUNT else "")
if _proxy_ssl and len(_proxy_ssl) != 2:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl[0], _proxy_ssl[1]) if _proxy_ssl else None

# No inline script anywhere (templates load static files); a nonce only where a page
# asks for one. 'wasm-unsafe-eval' lets the door's scanner compile its WebAssembly.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, WASM_UNSAFE_EVAL, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    },
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEV else "django.core.mail.backends.smtp.EmailBackend",
)
if not DEV and EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    raise ImproperlyConfigured("The console e-mail backend prints holders' addresses and sign-in links: use SMTP")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kaiku@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# The cache (the national settings, and anything a library keeps there) is shared by all
# workers and app servers: "database" (the default), its table created by `migrate`.
# "locmem" is per process. Rate limits never depend on it: they count in database rows
# (kaiku.web.ratelimit, django-axes, the portal's sign-in attempts).
CACHE_BACKEND = env_str("CACHE_BACKEND", "database")
if CACHE_BACKEND == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_BACKEND == "database":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kaiku_cache"}}
else:
    raise ImproperlyConfigured(f"CACHE_BACKEND must be 'locmem' or 'database', got {CACHE_BACKEND!r}")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "kaiku.web.api_errors.KaikuAutoSchema",
    "EXCEPTION_HANDLER": "kaiku.web.api_errors.exception_handler",
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
    # Separate request components, so that a field that refuses "" says minLength: 1.
    "COMPONENT_SPLIT_REQUEST": True,
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
