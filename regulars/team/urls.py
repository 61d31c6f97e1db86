"""The team in the console: its people and the commission rules."""

from django.urls import path

from . import views

app_name = "team"

urlpatterns = [
    path("team/", views.team, name="list"),
    path("team/<int:team_member_id>/", views.member, name="member"),
    path("commission-rules/", views.commissions, name="commissions"),
]
