"""The service desk in the console: complaints, the knowledge base, corrective actions."""

from django.urls import path

from . import views

app_name = "servicedesk"

urlpatterns = [
    path("tickets/", views.ticket_list, name="tickets"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("tickets/actions/", views.add_corrective_action, name="add_action"),
    path(
        "tickets/actions/<int:action_id>/done/",
        views.finish_corrective_action,
        name="finish_action",
    ),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:ticket_id>/", views.ticket, name="ticket"),
]
