from django.urls import path

from . import views

app_name = "cards_console"

urlpatterns = [
    path("card/", views.design, name="design"),
    path("card/face.png", views.design_image, name="design_image"),
    path("card/preview.png", views.design_preview, name="design_preview"),
    path("card/tiers/", views.tiers, name="tiers"),
    path("card/printed/", views.printed_cards, name="printed"),
    path("card/printed/<int:batch>.pdf", views.printed_pdf, name="printed_pdf"),
    path("members/", views.members, name="members"),
    path("members/<int:card_id>/reset-password/", views.reset_password, name="reset_password"),
    path("members/<int:card_id>/approve/", views.approve, name="approve"),
    path("members/<int:card_id>/tier/", views.set_tier, name="set_tier"),
    path("members/find/", views.find, name="find"),
    path("members/<int:card_id>/", views.member, name="member"),
    path("card-purchases/<int:purchase_id>/void/", views.void_purchase, name="void_purchase"),
]
