from django.urls import path

from . import views

app_name = "discovery"

urlpatterns = [
    path("", views.home, name="home"),
    path("stores/<int:store_id>/", views.store_page, name="store"),
]
