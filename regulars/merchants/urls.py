from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("stores/", views.stores, name="stores"),
    path("join/", views.join, name="join"),
    path("switch/", views.switch_merchant, name="switch"),
    path("stores/new/", views.store_new, name="store_new"),
    path("stores/<int:store_id>/", views.store_edit, name="store_edit"),
    path("stores/<int:store_id>/hours/", views.store_hours, name="store_hours"),
    path("stores/<int:store_id>/closures/", views.closure_add, name="closure_add"),
    path("closures/<int:closure_id>/delete/", views.closure_delete, name="closure_delete"),
    path("stores/<int:store_id>/photos/", views.store_photos, name="store_photos"),
    path("photos/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"),
    path("stores/<int:store_id>/items/", views.store_items, name="store_items"),
    path("stores/<int:store_id>/items/new/", views.item_new, name="item_new"),
    path("items/<int:item_id>/", views.item_edit, name="item_edit"),
    path("settings/", views.merchant_settings, name="settings"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:staff_member_id>/", views.staff_change, name="staff_change"),
    path("invitations/<str:token>/", views.accept_invitation, name="invitation"),
]
