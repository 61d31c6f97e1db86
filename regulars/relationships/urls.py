"""The consumer's side of customer events: answering an invitation."""

from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("me/invitations/<int:invitation_id>/", views.invitation, name="invitation"),
]
