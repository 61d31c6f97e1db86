"""The consumer's side of the service desk: complaining, following a complaint, a survey."""

from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("stores/<int:store_id>/complain/", views.complain, name="complain"),
    path("me/complaints/", views.my_complaints, name="complaints"),
    path("me/complaints/<int:ticket_id>/", views.my_complaint, name="complaint"),
    path("me/surveys/<int:survey_id>/", views.survey, name="survey"),
]
