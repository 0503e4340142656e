"""Settings for the test suite: fast hashing, in-memory e-mail, no network."""

import os
import tempfile

os.environ.setdefault("KAIKU_DEV", "1")
# Per process, cleared by conftest between tests; a served-app test sets "database".
os.environ.setdefault("CACHE_BACKEND", "locmem")

from kaiku.settings import *  # noqa: F403
from kaiku.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if "sqlite" in DATABASES["default"]["ENGINE"]:
    # A file, not memory: concurrency tests need separate connections with real locking.
    # One file per test process, so parallel runs never share a database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "KAIKU_TEST_SQLITE", os.path.join(tempfile.gettempdir(), f"kaiku-test-{os.getpid()}.sqlite3")
        )
    }
LANGUAGE_CODE = "fi"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Card codes are signed with a throwaway key per test process, created on first use.
CARD_SIGNING_KEY = ""
CARD_SIGNING_KEY_FILE = os.path.join(tempfile.gettempdir(), f"kaiku-test-card-key-{os.getpid()}.pem")
CARD_SIGNING_KEY_AUTOCREATE = True
