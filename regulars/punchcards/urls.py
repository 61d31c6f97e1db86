"""The consumer's punch cards (the wallet)."""

from django.urls import path

from . import views

app_name = "wallet"

urlpatterns = [
    path("me/punch-cards/", views.wallet, name="punch_cards"),
    path("punch-cards/<int:plan_id>/buy/", views.buy, name="buy"),
]
