from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from regulars.api import api
from regulars.core import views as operations

urlpatterns = [
    path("livez", operations.livez, name="livez"),
    path("healthz", operations.healthz, name="healthz"),
    path("metrics", operations.metrics, name="metrics"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("regulars.accounts.urls")),
    path("console/", include("regulars.orders.desk_urls")),
    path("console/", include("regulars.reviews.desk_urls")),
    path("console/", include("regulars.membership.desk_urls")),
    path("console/", include("regulars.promotions.desk_urls")),
    path("console/", include("regulars.crm.urls")),
    path("console/", include("regulars.analytics.urls")),
    path("console/", include("regulars.audit.urls")),
    path("console/", include("regulars.merchants.urls")),
    path("", include("regulars.orders.urls")),
    path("", include("regulars.crm.public_urls")),
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
