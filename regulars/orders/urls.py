from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("book/<int:item_id>/", views.book, name="book"),
    path("buy/<int:item_id>/", views.buy, name="buy"),
    path("pay/sandbox/<str:reference>/", views.sandbox_gateway, name="sandbox_gateway"),
    path("pay/wechat/<str:reference>/", views.wechat_pay, name="wechat_pay"),
    path("pay/wechat-login/", views.wechat_login, name="wechat_login"),
    path("pay/alipay/<str:reference>/", views.alipay_pay, name="alipay_pay"),
    path("me/reservations/", views.my_reservations, name="my_reservations"),
    path("me/reservations/<int:reservation_id>/", views.my_reservation, name="my_reservation"),
    path("me/orders/", views.my_orders, name="my_orders"),
    path("me/orders/<int:order_id>/", views.my_order, name="my_order"),
    path("operator/settlement/", views.operator_settlement, name="operator_settlement"),
]
