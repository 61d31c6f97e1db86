from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/<str:kind>/", views.printable, name="printable"),
    path("reports/<str:kind>/<str:key>.csv", views.table_csv, name="csv"),
]
