"""Segments as a coupon campaign's audience (registered with promotions at start-up)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regulars.core.errors import DomainError
from regulars.customers.errors import Problem
from regulars.promotions.errors import Refusal, refuse


class SegmentAudience:
    key = "segment"
    label = _lazy("A customer segment")
    param_label = _lazy("Segment")

    def param_choices(self, merchant) -> list[tuple[int, str]]:
        from .models import Segment

        return [(s.pk, s.name) for s in Segment.objects.filter(merchant=merchant)]

    def params_for(self, merchant, value) -> dict:
        from .models import Segment

        if not value or not Segment.objects.filter(pk=value, merchant=merchant).exists():
            raise DomainError(
                _("Choose one of your segments."),
                field="audience_param",
                code=Problem.UNKNOWN_CHOICE,
            )
        return {"segment_id": int(value)}

    def _segment(self, campaign):
        from .models import Segment

        return Segment.objects.filter(
            pk=campaign.audience_params.get("segment_id"), merchant_id=campaign.merchant_id
        ).first()

    def check(self, campaign, consumer) -> None:
        from .selectors import segment_members

        segment = self._segment(campaign)
        if segment is None or not segment_members(segment).filter(consumer=consumer).exists():
            raise refuse(Refusal.NOT_IN_AUDIENCE)

    def members(self, campaign):
        from .selectors import segment_members

        segment = self._segment(campaign)
        if segment is None:
            return get_user_model().objects.none()
        ids = segment_members(segment).exclude(consumer=None).values("consumer_id")
        return get_user_model().objects.filter(pk__in=ids)
