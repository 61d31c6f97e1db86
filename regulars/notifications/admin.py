from django.contrib import admin

from .models import InboxMessage, SmsMessage


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin):
    list_display = ("user", "title", "created_at", "read_at")
    raw_id_fields = ("user",)


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Support's view of texts the providers took: did the code arrive? Read-only: the log is
    written by sending and by the providers' receipts."""

    list_display = ("sent_at", "kind", "to_masked", "provider", "status", "error", "reported_at")
    list_filter = ("provider", "kind", "status")
    search_fields = ("message_id", "reference", "to_masked")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
