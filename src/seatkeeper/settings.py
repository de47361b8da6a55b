"""Django settings for Seatkeeper.

Configuration comes from the environment so the same code runs the embedded SQLite default
(`var/seatkeeper.sqlite3`, no server needed) and PostgreSQL (`DATABASE_URL=postgres://...`).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SEATKEEPER_VAR_DIR", Path.cwd() / "var"))

DEBUG = os.environ.get("SEATKEEPER_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("SEATKEEPER_SECRET_KEY", "")
if not SECRET_KEY:
    # A per-install key kept under var/, so sessions survive restarts without configuration.
    _key_file = VAR_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        SECRET_KEY = get_random_secret_key()
        try:
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            _key_file.write_text(SECRET_KEY)
            _key_file.chmod(0o600)
        except OSError:
            pass

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SEATKEEPER_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SEATKEEPER_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_htmx",
    "template_partials",
    "seatkeeper.cli",  # before django_tasks_db: its `db_worker` (heartbeat, time limits) wins
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "seatkeeper.audit",
    "seatkeeper.orgs",
    "seatkeeper.roster",
    "seatkeeper.licensing",  # migrations only: hands its tables to seats
    "seatkeeper.seats",
    "seatkeeper.jobs",
    "seatkeeper.dedup",
    "seatkeeper.fixes",
    "seatkeeper.api",
    "seatkeeper.web",
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
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "seatkeeper.urls"
WSGI_APPLICATION = "seatkeeper.wsgi.application"

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
            ],
        },
    }
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'seatkeeper.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a write transaction takes the write lock at BEGIN, so two concurrent seat
    # checks serialise instead of failing with "database is locked" half-way (R7, hard mode).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("SEATKEEPER_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy (django-csp, issue 18.4): scripts, styles, fonts and connections from
# this origin only; no inline <script>, no style= or on...= attributes (templates use classes in
# web/app.css and behaviour in web/app.js; tests/web/test_csp.py lints them). The favicon is a
# data: URI. No plugins, no framing, forms post to this origin only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Production behind a TLS proxy (issue 18.3): SEATKEEPER_HTTPS=1 turns on HSTS, the redirect
# to https (not for /healthz and /status, which load balancers probe over plain http),
# secure-only session and CSRF cookies, and trusts the proxy's X-Forwarded-Proto header (the
# proxy must set it, overwriting what the client sent). `seatkeeper check --deploy` is clean.
SEATKEEPER_HTTPS = os.environ.get("SEATKEEPER_HTTPS", "") == "1"
if SEATKEEPER_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^status$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SEATKEEPER_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SEATKEEPER_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("SEATKEEPER_HSTS_PRELOAD", "1") == "1"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The shared cache: sign-in throttling counts failures here, so its limits hold across every
# gunicorn process and host. The database cache by default (its table is made by the
# `jobs` migrations, or `seatkeeper createcachetable`); Redis when SEATKEEPER_REDIS_URL is set
# (pip install "seatkeeper[redis]").
if os.environ.get("SEATKEEPER_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["SEATKEEPER_REDIS_URL"],
            "KEY_PREFIX": "seatkeeper",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "seatkeeper_cache",
            # Culling drops entries once the table is full: keep it far above what failed
            # sign-ins can fill in one 15-minute window, so an attacker cannot flush counters.
            "OPTIONS": {"MAX_ENTRIES": 500_000},
        }
    }

TASKS = {
    "default": {
        "BACKEND": os.environ.get("SEATKEEPER_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Background jobs (seatkeeper.jobs): each may run this many seconds (per task name in
# SEATKEEPER_JOB_TIME_LIMITS), then it is stopped and its run failed.
SEATKEEPER_JOB_TIME_LIMIT = int(os.environ.get("SEATKEEPER_JOB_TIME_LIMIT", "3600"))
SEATKEEPER_JOB_TIME_LIMITS: dict[str, int] = {}
# Uploaded roster files are deleted this many days after their run ends (a dry run's file is
# kept that long for its Apply); 0 deletes them as soon as the run ends.
SEATKEEPER_UPLOAD_RETENTION_DAYS = float(os.environ.get("SEATKEEPER_UPLOAD_RETENTION_DAYS", "7"))

# Import limits (issue 18.1; roster/oneroster/archive.py): the upload's size, the total
# expanded size of the files read from a zip, each member's expansion ratio (N means N:1), and
# the number of members. The web upload is cut off while it is received (web/uploads.py).
SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES = int(
    os.environ.get("SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES", str(200 * 1024**2))
)
SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES = int(
    os.environ.get("SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES", str(2 * 1024**3))
)
SEATKEEPER_IMPORT_MAX_RATIO = float(os.environ.get("SEATKEEPER_IMPORT_MAX_RATIO", "100"))
SEATKEEPER_IMPORT_MAX_MEMBERS = int(os.environ.get("SEATKEEPER_IMPORT_MAX_MEMBERS", "50"))
FILE_UPLOAD_HANDLERS = [
    "seatkeeper.web.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SEATKEEPER_LOG_LEVEL", "WARNING")},
}

# Email (issue 16.3: alerts go to the district's admins). The console backend (messages printed
# to the server's output) unless SMTP is configured: SEATKEEPER_EMAIL_URL
# (smtp://user:password@host:587?tls=1, smtps://... for SSL) or Django's EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL variables.
DEFAULT_FROM_EMAIL = os.environ.get("SEATKEEPER_EMAIL_FROM", "seatkeeper@localhost")
SEATKEEPER_BASE_URL = os.environ.get("SEATKEEPER_BASE_URL", "")  # links in emails
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
_email_url = os.environ.get("SEATKEEPER_EMAIL_URL", "")
if _email_url:
    from urllib.parse import parse_qs, unquote, urlsplit

    _u = urlsplit(_email_url)
    _q = parse_qs(_u.query)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _u.hostname or "localhost"
    EMAIL_USE_SSL = _u.scheme == "smtps"
    EMAIL_USE_TLS = not EMAIL_USE_SSL and _q.get("tls", ["0"])[0] in ("1", "true", "yes")
    EMAIL_PORT = _u.port or (465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
    EMAIL_HOST_USER = unquote(_u.username or "")
    EMAIL_HOST_PASSWORD = unquote(_u.password or "")
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") in ("1", "true", "True")
    EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") in ("1", "true", "True")
