from django.contrib import admin

from .models import (
    CatalogItem,
    Category,
    HolidayClosure,
    Merchant,
    OpeningHours,
    Photo,
    StaffInvitation,
    StaffMember,
    Store,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_zh", "name_en", "parent", "discovery_only", "position")
    list_filter = ("discovery_only", "parent")
    search_fields = ("slug", "name_zh", "name_en")


class MembershipInline(admin.TabularInline):
    model = StaffMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "phone", "commission_rate", "is_active", "created_at")
    list_filter = ("is_active", "category")
    search_fields = ("name", "phone")
    inlines = [MembershipInline]


class HoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    exclude = ("merchant",)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "merchant",
        "category",
        "district",
        "rating_avg",
        "rating_count",
        "is_active",
    )
    list_filter = ("is_active", "category", "district")
    search_fields = ("name", "address")
    raw_id_fields = ("merchant",)
    inlines = [HoursInline]


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "store",
        "price",
        "duration_minutes",
        "bookable",
        "buyable",
        "is_active",
    )
    list_filter = ("bookable", "buyable", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("merchant", "store")


admin.site.register(HolidayClosure)
admin.site.register(Photo)
admin.site.register(StaffInvitation)
