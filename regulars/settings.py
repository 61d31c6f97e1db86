"""Settings, all driven by the environment.

Defaults give the embedded mode: a SQLite file under var/, tasks run eagerly, media on disk.
Production sets DATABASE_URL, REDIS_URL, REGULARS_SECRET_KEY, REGULARS_DEBUG=0 and
REGULARS_ALLOWED_HOSTS (see README, "Running in production").
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from regulars.core.maps import resolve_map_setup, tile_origins

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REGULARS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("REGULARS_DEBUG", True)
# The embedded default key is only good for a demo on one's own machine; production refuses it.
SECRET_KEY = os.environ.get(
    "REGULARS_SECRET_KEY", "embedded-demo-key-not-for-production-use-1234567890"
)
if not DEBUG and SECRET_KEY.startswith("embedded-demo-key"):
    raise RuntimeError("Set REGULARS_SECRET_KEY when REGULARS_DEBUG=0.")
ALLOWED_HOSTS = env_list("REGULARS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("REGULARS_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the API docs' Swagger UI from our static files, not a CDN
    "csp",
    "regulars.core",
    "regulars.accounts",
    "regulars.merchants",
    "regulars.team",
    "regulars.discovery",
    "regulars.notifications",
    "regulars.orders",
    "regulars.reviews",
    "regulars.membership",
    "regulars.punchcards",
    "regulars.promotions",
    "regulars.counter",
    "regulars.crm",  # migrations only: the history of the tables the next four own
    "regulars.customers",
    "regulars.outreach",
    "regulars.servicedesk",
    "regulars.relationships",
    "regulars.analytics",
    "regulars.audit",
    "regulars.workbench",
    "regulars.demo",
]

MIDDLEWARE = [
    "regulars.core.observability.RequestObservation",
    # Compresses pages (about 5× on the discovery page); Django masks the CSRF token per response
    # and pads compressed bodies, so BREACH cannot read secrets through it.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "regulars.core.replicas.ReadYourWrites",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "regulars.core.boundary.RefuseUnstorableInput",
]

ROOT_URLCONF = "regulars.urls"
WSGI_APPLICATION = "regulars.wsgi.application"
ASGI_APPLICATION = "regulars.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "regulars" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "regulars.core.context_processors.site",
                "regulars.notifications.context_processors.unread",
            ],
        },
    },
]

# Form widgets render through Django's own Jinja2 templates: the same markup as its Django-template
# ones, about four times faster per widget, and console pages carry up to fifty (decision 0029).
FORM_RENDERER = "django.forms.renderers.Jinja2"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'regulars.sqlite3'}",
        conn_max_age=int(os.environ.get("REGULARS_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; a busy timeout turns lock contention into a
    # short wait instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

# Behind PgBouncer in transaction mode (REGULARS_PGBOUNCER=1) a server connection serves a
# client for one transaction only: no server-side cursors, no statements prepared for later, and
# no startup options (PgBouncer refuses them; set `ALTER ROLE … SET jit = off` instead).
REGULARS_PGBOUNCER = env_bool("REGULARS_PGBOUNCER", False)
REGULARS_PREPARED_STATEMENTS = not REGULARS_PGBOUNCER


def _postgresql_options() -> dict:
    if REGULARS_PGBOUNCER:
        return {}  # Django's default: psycopg prepares nothing
    return {
        # Short OLTP queries: PostgreSQL's JIT compiles for milliseconds to save microseconds.
        "options": os.environ.get("REGULARS_PG_OPTIONS", "-c jit=off"),
        # Prepare only what asks to be (the stored-value spend, nearby search): Django turns
        # psycopg's preparing off altogether, and its automatic threshold stays out of reach.
        "prepare_threshold": 2**31 - 1,
    }


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(_postgresql_options())
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = REGULARS_PGBOUNCER

# Read replicas (regulars/core/replicas.py): streaming standbys of the primary, comma-separated.
# Discovery, anonymous store pages, reports and analytics read from a healthy one; writes,
# transactions, sessions and a visitor's reads right after their own write stay on the primary.
REGULARS_REPLICA_URLS = [
    url.strip() for url in os.environ.get("REGULARS_REPLICA_URLS", "").split(",") if url.strip()
]
for _number, _url in enumerate(REGULARS_REPLICA_URLS, start=1):
    DATABASES[f"replica{_number}"] = {
        **dj_database_url.parse(
            _url, conn_max_age=int(os.environ.get("REGULARS_DB_CONN_MAX_AGE", "0"))
        ),
        "OPTIONS": _postgresql_options(),
        "DISABLE_SERVER_SIDE_CURSORS": REGULARS_PGBOUNCER,
        # Tests: the replica's copy of the test database (replication brings it; nothing is
        # created on a standby).
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["regulars.core.replicas.ReplicaRouter"]
REGULARS_REPLICA_READS = env_bool("REGULARS_REPLICA_READS", True)
REGULARS_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REGULARS_REPLICA_MAX_LAG_SECONDS", "5"))
REGULARS_REPLICA_CHECK_SECONDS = float(os.environ.get("REGULARS_REPLICA_CHECK_SECONDS", "5"))
REGULARS_READ_YOUR_WRITES_SECONDS = int(os.environ.get("REGULARS_READ_YOUR_WRITES_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["regulars.accounts.backends.PhoneOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "discovery:home"
LOGOUT_REDIRECT_URL = "discovery:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "regulars" / "locale"]
TIME_ZONE = os.environ.get("REGULARS_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "regulars" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("REGULARS_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Source maps (8 MB of the API docs' bundles) are fetched only by a developer's browser tools:
# compressing them took most of `collectstatic`'s half minute for no visitor's gain.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br",
    "woff", "woff2", "mp4", "webm", "map",
)  # fmt: skip
# Photos: what a phone camera produces, bounded so one upload cannot fill the disk.
# Web Push (VAPID): a PEM private key; empty generates one into the var directory once.
REGULARS_VAPID_PRIVATE_KEY = os.environ.get("REGULARS_VAPID_PRIVATE_KEY", "")
REGULARS_VAPID_SUBJECT = os.environ.get("REGULARS_VAPID_SUBJECT", "mailto:ops@regulars.invalid")
# SMS: file (var/sms.log), console, or http (REGULARS_SMS_URL with REGULARS_SMS_KEY).
REGULARS_SMS_BACKEND = os.environ.get("REGULARS_SMS_BACKEND", "file")
REGULARS_SMS_URL = os.environ.get("REGULARS_SMS_URL", "")
REGULARS_SMS_KEY = os.environ.get("REGULARS_SMS_KEY", "")
# Aliyun and Tencent Cloud (regulars/notifications/sms.py): the AccessKey / SecretId pair, the
# approved signature (签名), Tencent's SmsSdkAppId and region, and a template per message kind.
REGULARS_SMS_KEY_ID = os.environ.get("REGULARS_SMS_KEY_ID", "")
REGULARS_SMS_KEY_SECRET = os.environ.get("REGULARS_SMS_KEY_SECRET", "")
REGULARS_SMS_SIGN_NAME = os.environ.get("REGULARS_SMS_SIGN_NAME", "")
REGULARS_SMS_APP_ID = os.environ.get("REGULARS_SMS_APP_ID", "")
REGULARS_SMS_REGION = os.environ.get("REGULARS_SMS_REGION", "ap-guangzhou")
REGULARS_SMS_TEMPLATES = os.environ.get("REGULARS_SMS_TEMPLATES", "")
REGULARS_SMS_RECEIPT_TOKEN = os.environ.get("REGULARS_SMS_RECEIPT_TOKEN", "")
# Flash-deal fan-out: people per delivery task.
REGULARS_FANOUT_BATCH = int(os.environ.get("REGULARS_FANOUT_BATCH", "1000"))
# A font with Chinese glyphs for drawing member cards (found in the usual places when empty).
REGULARS_CARD_FONT = os.environ.get("REGULARS_CARD_FONT", "")
REGULARS_MAX_PHOTO_BYTES = int(os.environ.get("REGULARS_MAX_PHOTO_BYTES", str(8 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Maps (regulars/core/maps.py): a provider (osm, amap, tencent, tianditu) with its key, or any
# XYZ tile server of one's own in REGULARS_TILE_URL (empty: markers on a plain background).
REGULARS_MAP_PROVIDER = os.environ.get("REGULARS_MAP_PROVIDER", "osm")
REGULARS_MAP_KEY = os.environ.get("REGULARS_MAP_KEY", "")
REGULARS_MAP = resolve_map_setup(
    REGULARS_MAP_PROVIDER,
    REGULARS_MAP_KEY,
    tile_url=os.environ.get("REGULARS_TILE_URL"),
    subdomains=os.environ.get("REGULARS_TILE_SUBDOMAINS", "abc"),
    attribution=os.environ.get("REGULARS_TILE_ATTRIBUTION", ""),
    datum=os.environ.get("REGULARS_MAP_DATUM", "wgs84"),
)
# The site's public address, for what providers call back (WeChat Pay's notify_url).
REGULARS_PUBLIC_URL = os.environ.get("REGULARS_PUBLIC_URL", "http://127.0.0.1:8000")
# WeChat Pay API v3 (regulars/orders/wechatpay.py): on when all are set. The private key is the
# merchant API key's PEM (or REGULARS_WECHATPAY_PRIVATE_KEY_FILE); the APIv3 key is 32 characters.
REGULARS_WECHATPAY_MCHID = os.environ.get("REGULARS_WECHATPAY_MCHID", "")
REGULARS_WECHATPAY_APPID = os.environ.get("REGULARS_WECHATPAY_APPID", "")
REGULARS_WECHATPAY_SERIAL_NO = os.environ.get("REGULARS_WECHATPAY_SERIAL_NO", "")
REGULARS_WECHATPAY_PRIVATE_KEY = os.environ.get("REGULARS_WECHATPAY_PRIVATE_KEY", "") or (
    Path(os.environ["REGULARS_WECHATPAY_PRIVATE_KEY_FILE"]).read_text()
    if os.environ.get("REGULARS_WECHATPAY_PRIVATE_KEY_FILE")
    else ""
)
REGULARS_WECHATPAY_APIV3_KEY = os.environ.get("REGULARS_WECHATPAY_APIV3_KEY", "")
REGULARS_WECHATPAY_URL = os.environ.get("REGULARS_WECHATPAY_URL", "")
# Paying inside WeChat (JSAPI) needs the buyer's OpenID: the official account's AppSecret for
# WeChat's silent login (REGULARS_WECHAT_OAUTH_URL points elsewhere, a proxy or a fake).
REGULARS_WECHAT_APP_SECRET = os.environ.get("REGULARS_WECHAT_APP_SECRET", "")
REGULARS_WECHAT_OAUTH_URL = os.environ.get("REGULARS_WECHAT_OAUTH_URL", "")
# Notices in WeChat (regulars/notifications/wechat_notices.py): a template per kind of notice.
REGULARS_WECHAT_TEMPLATES = os.environ.get("REGULARS_WECHAT_TEMPLATES", "")
# Alipay (regulars/orders/alipay.py): the app's id and RSA2 private key, and Alipay's public key
# (bare base64 as the console gives them, or PEM).
REGULARS_ALIPAY_APP_ID = os.environ.get("REGULARS_ALIPAY_APP_ID", "")
REGULARS_ALIPAY_PRIVATE_KEY = os.environ.get("REGULARS_ALIPAY_PRIVATE_KEY", "")
REGULARS_ALIPAY_PUBLIC_KEY = os.environ.get("REGULARS_ALIPAY_PUBLIC_KEY", "")
REGULARS_ALIPAY_URL = os.environ.get("REGULARS_ALIPAY_URL", "")
# Address search (regulars/discovery/geocoding.py): "" (the district list only), "amap" or
# "tencent" with its web-service key; REGULARS_GEOCODER_URL points elsewhere (a proxy, a fake).
REGULARS_GEOCODER = os.environ.get("REGULARS_GEOCODER", "")
if REGULARS_GEOCODER not in ("", "amap", "tencent"):
    raise ValueError(f"REGULARS_GEOCODER={REGULARS_GEOCODER!r}: choose amap, tencent or nothing")
REGULARS_GEOCODER_KEY = os.environ.get("REGULARS_GEOCODER_KEY", "")
REGULARS_GEOCODER_URL = os.environ.get("REGULARS_GEOCODER_URL", "")
# Nearby search index on PostgreSQL: "auto" uses PostGIS when the database has it
# (`regulars enable_postgis`), "grid" always uses the project's own grid index.
REGULARS_GEO_INDEX = os.environ.get("REGULARS_GEO_INDEX", "auto")

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

if REDIS_URL:
    CACHES = {
        # Redis, degrading to per-process memory when Redis is down (regulars/core/cache.py).
        "default": {"BACKEND": "regulars.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Web security. Production (REGULARS_DEBUG=0) is HTTPS only: secure cookies, HSTS, redirect to
# HTTPS (behind a proxy that sets X-Forwarded-Proto); `manage.py check --deploy` is clean with it.
SESSION_COOKIE_SECURE = env_bool("REGULARS_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("REGULARS_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_SSL_REDIRECT = env_bool("REGULARS_SSL_REDIRECT", not DEBUG)
# Load balancers and Prometheus probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^healthz$", r"^metrics$"]
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"


# Content-Security-Policy: no inline script anywhere (every script is a static file), so an
# injected <script> or onclick= cannot run. Inline styles stay allowed: Leaflet and ECharts set
# style attributes from their own (trusted) scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *tile_origins(REGULARS_MAP)],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Logs: one JSON object per line in production (for Loki, ELK, Cloud Logging…), readable text
# in the embedded mode; REGULARS_LOG_FORMAT=json|text overrides.
REGULARS_LOG_FORMAT = os.environ.get("REGULARS_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "regulars.core.observability.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": REGULARS_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("REGULARS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Our own request line replaces Django's (it has the route, timing and request id).
        "django.server": {"level": "WARNING"},
        "regulars.request": {"level": os.environ.get("REGULARS_REQUEST_LOG_LEVEL", "INFO")},
    },
}
# /metrics answers loopback callers; set a token to let a Prometheus elsewhere scrape it.
REGULARS_METRICS_TOKEN = os.environ.get("REGULARS_METRICS_TOKEN", "")
# How many reverse proxies of ours stand in front (each appends to X-Forwarded-For): the client's
# address, for rate limits and the audit log, is that many hops from the right. 0 (directly
# exposed) ignores the header, which anyone can forge. "1"/"true" mean one proxy.
_forwarded = os.environ.get("REGULARS_TRUST_X_FORWARDED_FOR", "0").strip().lower()
REGULARS_TRUST_X_FORWARDED_FOR = (
    1 if _forwarded in {"true", "yes", "on"} else int(_forwarded) if _forwarded.isdigit() else 0
)
REGULARS_SERVE_MEDIA = env_bool("REGULARS_SERVE_MEDIA", DEBUG)

# The sandbox payment gateway pays without money: on in the embedded mode, off in production
# unless switched on with REGULARS_SANDBOX_PAYMENTS=1 and a secret of one's own (with the public
# default anyone could forge its callbacks, so it stays off and `check --deploy` fails).
SANDBOX_DEFAULT_SECRET = "sandbox-secret"
REGULARS_SANDBOX_PAY_SECRET = os.environ.get("REGULARS_SANDBOX_PAY_SECRET", SANDBOX_DEFAULT_SECRET)
REGULARS_SANDBOX_PAYMENTS = env_bool("REGULARS_SANDBOX_PAYMENTS", DEBUG) and (
    DEBUG or REGULARS_SANDBOX_PAY_SECRET != SANDBOX_DEFAULT_SECRET
)
# Unpaid online orders are cancelled after this many minutes.
REGULARS_UNPAID_ORDER_MINUTES = int(os.environ.get("REGULARS_UNPAID_ORDER_MINUTES", "30"))
# Consumed orders complete by themselves after this many days if the buyer does not confirm.
REGULARS_AUTO_COMPLETE_DAYS = int(os.environ.get("REGULARS_AUTO_COMPLETE_DAYS", "7"))

# The nightly customer scoring is split into this many shards of merchants, scored in parallel
# by the Celery workers (one shard per worker process is a good start).
REGULARS_SCORING_SHARDS = int(os.environ.get("REGULARS_SCORING_SHARDS", "4"))

# The embedded mode (no REDIS_URL) runs the schedule below and long work (imports, fan-outs,
# batches of codes) inside `regulars serve`'s processes: this many threads per process take the
# long work, and the process holding the schedule looks for due jobs this often
# (`regulars/core/embedded.py`).
REGULARS_BACKGROUND_THREADS = int(os.environ.get("REGULARS_BACKGROUND_THREADS", "2"))
REGULARS_SCHEDULER_TICK_SECONDS = float(os.environ.get("REGULARS_SCHEDULER_TICK_SECONDS", "15"))

# Periodic work, run by `regulars worker --beat` (one beat in the whole deployment), or in the
# embedded mode by the process holding the schedule's lease.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "regulars.core.tasks.heartbeat", "schedule": 60},
    "customer-scores": {
        "task": "regulars.customers.tasks.score_customers",
        "schedule": 24 * 60 * 60,
    },
    "ticket-escalation": {
        "task": "regulars.servicedesk.tasks.escalate_overdue_tickets",
        "schedule": 5 * 60,
    },
    "greetings": {
        "task": "regulars.outreach.tasks.send_greetings",
        "schedule": crontab(hour=9, minute=0),
    },
    "task-reminders": {
        "task": "regulars.relationships.tasks.remind_due_tasks",
        "schedule": 15 * 60,
    },
    "stalled-imports": {
        "task": "regulars.customers.tasks.resume_stalled_imports",
        "schedule": 5 * 60,
    },
    "stalled-code-batches": {
        "task": "regulars.promotions.tasks.resume_stalled_code_batches",
        "schedule": 5 * 60,
    },
    "activity-ranges": {
        "task": "regulars.promotions.tasks.derive_activity_ranges",
        "schedule": 24 * 60 * 60,
    },
    "due-broadcasts": {
        "task": "regulars.notifications.tasks.send_due_broadcasts",
        "schedule": 60,
    },
    "deferred-deliveries": {
        "task": "regulars.notifications.tasks.send_deferred",
        "schedule": 5 * 60,
    },
    "reservation-reminders": {
        "task": "regulars.orders.tasks.send_reservation_reminders",
        "schedule": 15 * 60,
    },
    "expire-orders": {"task": "regulars.orders.tasks.expire_orders", "schedule": 10 * 60},
    "reconcile-payments": {
        "task": "regulars.orders.tasks.reconcile_payments",
        "schedule": crontab(hour=4, minute=20),
    },
    "expire-card-points": {
        "task": "regulars.membership.tasks.expire_card_points",
        "schedule": 24 * 3600,
    },
    "review-card-tiers": {
        "task": "regulars.membership.tasks.review_card_tiers",
        "schedule": 24 * 3600,
    },
    "expire-punch-cards": {
        "task": "regulars.punchcards.tasks.expire_punch_cards",
        "schedule": 24 * 3600,
    },
    "punch-card-reminders": {
        "task": "regulars.punchcards.tasks.remind_expiring_punch_cards",
        "schedule": crontab(hour=10, minute=0),
    },
}
