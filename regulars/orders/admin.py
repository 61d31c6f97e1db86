from django.contrib import admin

from .models import Order, OrderLine, Payment, PaymentEvent, Reservation, SettlementEntry


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ("item", "name", "unit_price", "quantity", "amount")
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "merchant",
        "store",
        "consumer",
        "status",
        "total",
        "payment_method",
        "created_at",
    )
    list_filter = ("status", "payment_method")
    search_fields = ("code", "merchant__name", "store__name")
    raw_id_fields = ("merchant", "store", "consumer", "consumed_by")
    inlines = [LineInline]


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("id", "store", "item", "consumer", "starts_at", "party_size", "status")
    list_filter = ("status",)
    raw_id_fields = ("merchant", "store", "item", "slot", "consumer")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("reference", "provider", "order", "amount", "status", "created_at")
    list_filter = ("provider", "status")
    search_fields = ("reference",)
    raw_id_fields = ("merchant", "order")


@admin.register(PaymentEvent)
class PaymentEventAdmin(admin.ModelAdmin):
    list_display = ("provider", "event_id", "kind", "payment", "received_at")


@admin.register(SettlementEntry)
class SettlementEntryAdmin(admin.ModelAdmin):
    """Append-only: operators read entries; corrections are new entries, never edits."""

    list_display = ("merchant", "order", "kind", "gross", "commission", "net", "created_at")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
