from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("stores/<int:store_id>/complain/", views.complain, name="new"),
    path("me/complaints/", views.my_complaints, name="mine"),
    path("me/complaints/<int:ticket_id>/", views.my_complaint, name="mine_one"),
]
