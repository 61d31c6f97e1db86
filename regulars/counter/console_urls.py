"""The counter in the console: the till, bills."""

from django.urls import path

from . import views

app_name = "counter"

urlpatterns = [
    path("till/", views.till, name="till"),
    path("bills/", views.bills, name="bills"),
    path("close/", views.daily_close, name="close"),
    path("bills/<int:bill_id>/", views.bill, name="bill"),
    path("bills/<int:bill_id>/receipt/", views.bill_receipt, name="receipt"),
    path("bills/<int:bill_id>/refund/", views.refund, name="refund"),
    path("reports/commissions/", views.commissions, name="commissions"),
]
