from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("me/inbox/", views.inbox, name="inbox"),
    path("me/messages/", views.settings_page, name="settings"),
    path("me/messages/<str:kind>/<int:item_id>/remove/", views.remove, name="remove"),
    path("me/messages/push/", views.push_subscription, name="push"),
    path("me/messages/wechat/", views.wechat_bind, name="wechat_bind"),
    path("me/messages/wechat/done/", views.wechat_bound, name="wechat_bound"),
    path("me/messages/wechat/stop/", views.wechat_stop, name="wechat_stop"),
    path("shops/<int:merchant_id>/follow/", views.follow_shop, name="follow_shop"),
    path("shops/<int:merchant_id>/stop-offers/", views.stop_offers, name="stop_offers"),
    path("sw.js", views.service_worker, name="service_worker"),
]
