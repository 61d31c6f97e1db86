from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import ApiToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "phone", "email", "is_staff", "date_joined")
    search_fields = ("username", "display_name", "phone", "email")
    fieldsets = DjangoUserAdmin.fieldsets + (("Regulars", {"fields": ("phone", "display_name")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at")
    readonly_fields = ("key_hash", "prefix")
