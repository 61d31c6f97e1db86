"""The customer directory in the console: search, profiles' data, imports, segments, value."""

from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customers, name="list"),
    path("customers/export.csv", views.export, name="export"),
    path("customers/count/", views.count, name="count"),
    path("customers/key-accounts/", views.key_accounts, name="key_accounts"),
    path("customers/segments/", views.segments, name="segments"),
    path("customers/value/", views.value, name="value"),
    path("customers/settings/", views.directory_settings, name="settings"),
    path("customers/welcome-gifts/", views.welcome_gifts, name="welcome_gifts"),
    path("customers/segments/save/", views.save_segment, name="save_segment"),
    path("customers/import/", views.imports, name="imports"),
    path("customers/<int:customer_id>/risk/", views.risk_flag, name="risk_flag"),
    path("customers/import/<int:import_id>/", views.import_detail, name="import"),
]
