"""Looking after customers in the console: a customer's file, tasks, plans, events."""

from django.urls import path

from . import views

app_name = "relationships"

urlpatterns = [
    path("customers/<int:customer_id>/", views.customer, name="customer"),
    path(
        "customers/<int:customer_id>/timeline/",
        views.customer_timeline,
        name="customer_timeline",
    ),
    path("customers/hand-over/", views.hand_over, name="hand_over"),
    path("customers/<int:customer_id>/tasks/", views.add_task, name="add_task"),
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
    path("events/", views.events, name="events"),
    path("events/<int:event_id>/", views.event, name="event"),
    path("tasks/<int:task_id>/done/", views.complete_task, name="complete_task"),
]
