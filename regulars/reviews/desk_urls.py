from django.urls import path

from . import views

app_name = "review_desk"

urlpatterns = [
    path("reviews/", views.desk_reviews, name="reviews"),
    path("reviews/<int:review_id>/reply/", views.desk_reply, name="reply"),
]
