from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("reservations/", views.desk_reservations, name="reservations"),
    path(
        "reservations/<int:reservation_id>/<str:action>/",
        views.desk_reservation_action,
        name="reservation_action",
    ),
    path("orders/", views.desk_orders, name="orders"),
    path("cashier/", views.cashier, name="cashier"),
    path("settlement/", views.settlement, name="settlement"),
    path("settlement/<int:year>-<int:month>.csv", views.settlement_csv, name="settlement_csv"),
]
