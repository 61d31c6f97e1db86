from django.urls import path

from . import views

app_name = "orders_console"

urlpatterns = [
    path("reservations/", views.console_reservations, name="reservations"),
    path(
        "reservations/<int:reservation_id>/<str:action>/",
        views.console_reservation_action,
        name="reservation_action",
    ),
    path("orders/", views.console_orders, name="orders"),
    path("cashier/", views.cashier, name="cashier"),
    path("settlement/", views.settlement, name="settlement"),
    path("settlement/<int:year>-<int:month>.csv", views.settlement_csv, name="settlement_csv"),
]
