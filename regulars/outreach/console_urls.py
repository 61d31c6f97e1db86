"""Messages and greetings to customers in the console."""

from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("customers/message/", views.message, name="message"),
    path("customers/messages/", views.outreach_history, name="messages"),
    path("customers/greetings/", views.greetings, name="greetings"),
]
