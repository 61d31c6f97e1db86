from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from django.views.static import serve

from regulars.accounts.forms import OperatorSignInForm
from regulars.api import api
from regulars.core import views as operations

admin.site.login_form = OperatorSignInForm  # the admin's sign-in goes through the lockout too

urlpatterns = [
    path("livez", operations.livez, name="livez"),
    path("favicon.ico", operations.favicon, name="favicon"),
    path("healthz", operations.healthz, name="healthz"),
    path("metrics", operations.metrics, name="metrics"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    # Choosing a language needs no CSRF token: forcing someone's language is harmless, and pages
    # without a token can be shared from the cache (the anonymous nearby page).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("accounts/", include("regulars.accounts.urls")),
    path("console/", include("regulars.workbench.urls")),
    path("console/", include("regulars.counter.console_urls")),
    path("console/", include("regulars.punchcards.console_urls")),
    path("console/", include("regulars.team.urls")),
    path("console/", include("regulars.orders.console_urls")),
    path("console/", include("regulars.reviews.console_urls")),
    path("console/", include("regulars.membership.console_urls")),
    path("console/", include("regulars.promotions.console_urls")),
    path("console/", include("regulars.customers.console_urls")),
    path("console/", include("regulars.relationships.console_urls")),
    path("console/", include("regulars.outreach.console_urls")),
    path("console/", include("regulars.servicedesk.console_urls")),
    path("console/", include("regulars.analytics.urls")),
    path("console/", include("regulars.audit.urls")),
    path("console/", include("regulars.merchants.urls")),
    path("", include("regulars.orders.urls")),
    path("", include("regulars.counter.urls")),
    path("", include("regulars.punchcards.urls")),
    path("", include("regulars.servicedesk.urls")),
    path("", include("regulars.relationships.urls")),
    path("", include("regulars.reviews.urls")),
    path("", include("regulars.notifications.urls")),
    path("", include("regulars.membership.urls")),
    path("", include("regulars.promotions.urls")),
    path("", include("regulars.discovery.urls")),
]

if settings.DEBUG or settings.REGULARS_SERVE_MEDIA:
    # The embedded mode serves uploaded photos itself; production puts a web server or object
    # storage in front (README, "Running in production").
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
