"""The consumer's bills: every bill paid with their card, and the page a receipt's QR opens."""

from django.urls import path

from . import views

app_name = "bills"

urlpatterns = [
    path("me/bills/", views.my_bills, name="list"),
    path("me/bills/<int:bill_id>/", views.my_bill, name="mine"),
]
