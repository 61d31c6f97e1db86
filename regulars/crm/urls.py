from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customers, name="list"),
    path("customers/export.csv", views.export, name="export"),
    path("customers/count/", views.count, name="count"),
    path("customers/key-accounts/", views.key_accounts, name="key_accounts"),
    path("customers/segments/", views.segments, name="segments"),
    path("customers/value/", views.value, name="value"),
    path("customers/settings/", views.directory_settings, name="settings"),
    path("customers/segments/save/", views.save_segment, name="save_segment"),
    path("customers/<int:customer_id>/", views.customer, name="customer"),
    path("customers/import/", views.imports, name="imports"),
    path("customers/hand-over/", views.hand_over, name="hand_over"),
    path("customers/message/", views.message, name="message"),
    path("customers/messages/", views.outreach_history, name="messages"),
    path("customers/greetings/", views.greetings, name="greetings"),
    path("customers/<int:customer_id>/tasks/", views.add_task, name="add_task"),
    path("customers/<int:customer_id>/risk/", views.risk_flag, name="risk_flag"),
    path("customers/<int:customer_id>/evaluate/", views.evaluate, name="evaluate"),
    path("customers/<int:customer_id>/plans/", views.propose_plan, name="propose_plan"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/", views.plan_step, name="plan_step"),
    path("customers/indicators/", views.indicators, name="indicators"),
    path("customers/<int:customer_id>/commitments/", views.add_commitment, name="add_commitment"),
    path(
        "commitments/<int:commitment_id>/settle/",
        views.settle_commitment,
        name="settle_commitment",
    ),
    path("tasks/", views.task_list, name="tasks"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("tickets/actions/", views.add_corrective_action, name="add_action"),
    path(
        "tickets/actions/<int:action_id>/done/",
        views.finish_corrective_action,
        name="finish_action",
    ),
    path("events/", views.events, name="events"),
    path("events/<int:event_id>/", views.event, name="event"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:ticket_id>/", views.ticket, name="ticket"),
    path("tasks/<int:task_id>/done/", views.complete_task, name="complete_task"),
    path("customers/import/<int:import_id>/", views.import_detail, name="import"),
]
