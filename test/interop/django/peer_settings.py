# Django settings for the test peer; every knob comes from DJANGO_PEER_* env vars set by test/support/django.ts.
import os
import secrets
from datetime import timedelta


def env(name, default=None):
    value = os.environ.get("DJANGO_PEER_" + name, default)
    if value is None:
        raise RuntimeError(f"DJANGO_PEER_{name} must be set")
    return value


def flag(name):
    return env(name, "0") in ("1", "true", "yes")


# "auth-service": simplejwt's views; "easyjwt-cookie-client": a stand-in for the CSRF side of
# django-easyjwt 1.1's client-service in cookie mode (peer_client_urls.py).
MODE = env("MODE", "auth-service")
if MODE not in ("auth-service", "easyjwt-cookie-client"):
    raise RuntimeError(f"unknown DJANGO_PEER_MODE {MODE!r}: 'auth-service' or 'easyjwt-cookie-client'")

# Django's own secret is unrelated to JWT signing (simplejwt only falls back to it): keep it random
# so a test can never pass by accident through it.
SECRET_KEY = secrets.token_hex(32)
# DEBUG off so errors come back as the peer's production JSON, not HTML debug pages.
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "peer_urls" if MODE == "auth-service" else "peer_client_urls"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True
LANGUAGE_CODE = "en-us"

try:  # the blacklist app ships with simplejwt; guard in case a distribution splits it out
    import rest_framework_simplejwt.token_blacklist  # noqa: F401
    BLACKLIST_APPS = ["rest_framework_simplejwt.token_blacklist"]
except ImportError:
    BLACKLIST_APPS = []

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework_simplejwt",
    *BLACKLIST_APPS,
    "easyjwt_signup",
]

# Django's four validators, as a project made by `startproject` (and easyjwt's) lists them.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# What `startproject` gives, minus sessions/CSRF/messages: an API-only auth-service has no use for
# them, and DRF's APIView is CSRF-exempt anyway.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# easyjwt 1.1's cookie mode requires Django's CSRF middleware (its system check E002 says so).
if MODE == "easyjwt-cookie-client":
    MIDDLEWARE.insert(2, "django.middleware.csrf.CsrfViewMiddleware")

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": env("DB")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Only JWT authentication, as easyjwt's auth side configures it. With DRF's default
# (Session first) an unauthenticated request would get 403 instead of 401.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's default renderers, as easyjwt leaves them: with two, every answer says Vary: Accept.
    # A request accepting anything still gets JSON, the first.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
}

SIMPLE_JWT = {
    "SIGNING_KEY": env("SIGNING_KEY"),
    "ALGORITHM": env("ALGORITHM", "HS256"),
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=int(env("ACCESS_LIFETIME", "300"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=int(env("REFRESH_LIFETIME", "86400"))),
    "ROTATE_REFRESH_TOKENS": flag("ROTATE_REFRESH_TOKENS"),
    "BLACKLIST_AFTER_ROTATION": flag("BLACKLIST_AFTER_ROTATION"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    # Request lines and server errors go to stderr, which the harness keeps for failure reports.
    "loggers": {"django": {"handlers": ["stderr"], "level": "INFO"}},
}
