"""The workbench is the console's root."""

from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [path("", views.today, name="today")]
