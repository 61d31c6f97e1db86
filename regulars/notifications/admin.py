from django.contrib import admin

from .models import InboxMessage


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin):
    list_display = ("user", "title", "created_at", "read_at")
    raw_id_fields = ("user",)
