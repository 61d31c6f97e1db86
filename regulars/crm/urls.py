from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customers, name="list"),
    path("customers/export.csv", views.export, name="export"),
    path("customers/<int:customer_id>/", views.customer, name="customer"),
    path("customers/import/", views.imports, name="imports"),
    path("customers/import/<int:import_id>/", views.import_detail, name="import"),
]
