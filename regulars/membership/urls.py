from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("me/cards/", views.wallet, name="wallet"),
    path("me/cards/<int:card_id>/", views.card, name="card"),
    path("me/cards/<int:card_id>/card.png", views.card_image, name="card_image"),
    path("me/cards/<int:card_id>/top-up/", views.top_up_online, name="top_up"),
    path(
        "me/cards/<int:card_id>/rewards/<int:reward_id>/exchange/",
        views.exchange,
        name="exchange",
    ),
    path("cards/join/<int:merchant_id>/", views.join, name="join"),
    path("me/orders/<int:order_id>/pay-with-card/", views.pay_order, name="pay_order"),
]
