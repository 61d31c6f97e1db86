from django.urls import path

from . import views

app_name = "reviews_console"

urlpatterns = [
    path("reviews/", views.console_reviews, name="reviews"),
    path("reviews/<int:review_id>/reply/", views.console_reply, name="reply"),
]
