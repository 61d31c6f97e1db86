from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaigns, name="list"),
    path("campaigns/new/", views.edit_campaign, name="new"),
    path("campaigns/flash/", views.new_flash_deal, name="new_flash"),
    path("campaigns/preview/", views.preview, name="preview"),
    path("campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path("campaigns/<int:campaign_id>/edit/", views.edit_campaign, name="edit"),
    path("campaigns/<int:campaign_id>/action/", views.campaign_action, name="action"),
    path("campaigns/<int:campaign_id>/codes.pdf", views.codes_pdf_view, name="codes_pdf"),
    path("campaigns/<int:campaign_id>/code-batches/", views.code_batches, name="code_batches"),
    path("campaigns/<int:campaign_id>/codes.csv", views.codes_csv, name="codes_csv"),
    path("coupons/redeem/", views.redeem, name="redeem"),
]
