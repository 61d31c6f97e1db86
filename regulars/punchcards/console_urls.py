"""Punch cards in the console: the plans, and a card scanned and used."""

from django.urls import path

from . import views

app_name = "punchcards"

urlpatterns = [
    path("punch-cards/", views.plans, name="plans"),
    path("punch-cards/use/", views.use, name="use"),
    path("punch-cards/<int:card_id>/refund/", views.refund, name="refund"),
]
