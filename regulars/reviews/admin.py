from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Review, ReviewReport


class ReportInline(admin.TabularInline):
    model = ReviewReport
    extra = 0
    readonly_fields = ("reporter", "reason", "created_at")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "store",
        "author",
        "stars",
        "verified",
        "report_count",
        "hidden",
        "created_at",
    )
    list_filter = ("hidden", "verified", "stars")
    search_fields = ("text", "store__name")
    ordering = ("-report_count", "-created_at")
    raw_id_fields = ("merchant", "store", "author", "order")
    readonly_fields = ("hidden",)
    inlines = [ReportInline]
    actions = ["hide", "restore"]

    @admin.action(description=_("Hide the selected reviews"))
    def hide(self, request, queryset):
        for review in queryset:
            services.set_hidden(operator=request.user, review_id=review.pk, hidden=True)
        messages.success(request, _("Hidden; store ratings updated."))

    @admin.action(description=_("Show the selected reviews again"))
    def restore(self, request, queryset):
        for review in queryset:
            services.set_hidden(operator=request.user, review_id=review.pk, hidden=False)
        messages.success(request, _("Restored; store ratings updated."))
