from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("stores/<int:store_id>/review/", views.write_review, name="write"),
    path("stores/<int:store_id>/reviews/", views.store_reviews, name="store"),
    path("me/orders/<int:order_id>/review/", views.review_order, name="review_order"),
    path("reviews/<int:review_id>/report/", views.report_review, name="report"),
    path("me/reviews/", views.my_reviews, name="mine"),
]
