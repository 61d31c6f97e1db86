from django.urls import path

from . import views

app_name = "promotions"

urlpatterns = [
    path("me/coupons/", views.my_coupons, name="mine"),
    path("me/coupons/<int:coupon_id>/", views.coupon, name="coupon"),
    path("coupons/claim/<int:campaign_id>/", views.claim, name="claim"),
    path("deals/<int:campaign_id>/", views.deal, name="deal"),
]
