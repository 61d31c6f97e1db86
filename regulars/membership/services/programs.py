"""The card program a merchant designs: its face, tiers to start with, top-up rules and points
rewards for catalogue items."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from regulars.core.errors import DomainError
from regulars.core.images import jpeg_bytes, png_bytes, read_image
from regulars.core.money import to_money
from regulars.membership.errors import Problem
from regulars.merchants.permissions import Action, StaffContext

from ..models import (
    CardProgram,
    Reward,
    Tier,
    TopUpRule,
)
from .cards import _program
from .ledger import _amount

DEFAULT_TIERS = [
    # name, rank, discount %, points per ¥, spend to qualify, within days
    ("普通卡", 1, "0", "1", "0", 365),
    ("银卡", 2, "0", "1.2", "3000", 180),
    ("金卡", 3, "5", "1.5", "5000", 365),
    ("贵宾卡", 4, "10", "2", "0", 365),  # the top tier by the merchant's decision only
]


# ---- programs -----------------------------------------------------------------------------


@transaction.atomic
def design_program(
    *,
    actor: StaffContext,
    title: str,
    subtitle: str = "",
    template: str = "classic",
    color: str = "#e8572a",
    text_color: str = "#ffffff",
    auto_approve: bool = True,
    points_per_yuan_off: int = 100,
    min_redeem_points: int = 100,
    max_redeem_percent: int = 50,
    points_round_nearest: bool = False,
    excluded_items=None,
    published: bool | None = None,
    logo=None,
    background=None,
) -> CardProgram:
    """Create or change the merchant's card design; the first save also creates default tiers."""
    actor.require(Action.DESIGN_CARDS)
    from ..models import CardTemplate

    title = (title or "").strip()
    if not title or len(title) > 40:
        raise DomainError(
            _("Give the card a title of at most 40 characters."),
            field="title",
            code=Problem.TOO_LONG,
        )
    if template not in CardTemplate.values:
        raise DomainError(_("Choose a template."), field="template", code=Problem.CHOICE_REQUIRED)
    for field, value in (("color", color), ("text_color", text_color)):
        if not (
            len(value) == 7
            and value.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in value[1:])
        ):
            raise DomainError(_("Colours look like #e8572a."), field=field, code=Problem.BAD_FORMAT)
    if not 1 <= int(points_per_yuan_off) <= 10000:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 1, "high": 10000},
            field="points_per_yuan_off",
            code=Problem.OUT_OF_RANGE,
        )
    program, created = CardProgram.objects.get_or_create(
        merchant=actor.merchant, defaults={"title": title}
    )
    program.title, program.subtitle, program.template = title, subtitle.strip()[:60], template
    program.color, program.text_color, program.auto_approve = color, text_color, bool(auto_approve)
    program.points_per_yuan_off = int(points_per_yuan_off)
    if not 0 <= int(min_redeem_points) <= 1_000_000:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 0, "high": 1_000_000},
            field="min_redeem_points",
            code=Problem.OUT_OF_RANGE,
        )
    if not 1 <= int(max_redeem_percent) <= 100:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 1, "high": 100},
            field="max_redeem_percent",
            code=Problem.OUT_OF_RANGE,
        )
    program.min_redeem_points, program.max_redeem_percent = (
        int(min_redeem_points),
        int(max_redeem_percent),
    )
    program.points_round_nearest = bool(points_round_nearest)
    if published is not None:
        program.published = bool(published)
    if excluded_items is not None:
        from regulars.merchants.models import CatalogItem

        ids = [int(i) for i in excluded_items]
        own = CatalogItem.objects.filter(merchant=actor.merchant, pk__in=ids)
        if own.count() != len(set(ids)):
            raise DomainError(
                _("Choose services of your own shop."),
                field="excluded_items",
                code=Problem.UNKNOWN_CHOICE,
            )
    _save_picture(program, "logo", logo, png_bytes, (256, 256), "png")
    _save_picture(program, "background", background, jpeg_bytes, (1200, 760), "jpg")
    program.save()
    if excluded_items is not None:
        program.excluded_items.set(own)
    if created:
        Tier.objects.bulk_create(
            Tier(
                merchant=actor.merchant,
                program=program,
                name=name,
                rank=rank,
                discount_percent=Decimal(discount),
                points_per_yuan=Decimal(points),
                qualify_spend=Decimal(spend),
                qualify_days=days,
            )
            for name, rank, discount, points, spend, days in DEFAULT_TIERS
        )
        TopUpRule.objects.create(
            merchant=actor.merchant, program=program, pay=Decimal("500"), bonus=Decimal("50")
        )
    return program


def _save_picture(program: CardProgram, field: str, upload, encode, size, suffix: str) -> None:
    """Checked and re-encoded like every photo (type, size, pixels); replaces the old one."""
    from django.conf import settings
    from django.core.files.base import ContentFile

    if not upload:
        return
    try:
        image, _format = read_image(upload, settings.REGULARS_MAX_PHOTO_BYTES)
    except DomainError as error:
        raise DomainError(error.message, field=field, code=error.code) from None
    getattr(program, field).save(
        f"{program.merchant_id}-{field}.{suffix}", ContentFile(encode(image, size)), save=False
    )


@transaction.atomic
def set_topup_rules(*, actor: StaffContext, rules: list[tuple]) -> list[TopUpRule]:
    """Replace the top-up bonus rules (充500送50 …); the largest rule a top-up reaches applies."""
    actor.require(Action.DESIGN_CARDS)
    program = CardProgram.objects.filter(merchant=actor.merchant).first()
    if program is None:
        raise DomainError(_("Design your member card first."), code=Problem.NO_PROGRAM)
    parsed = []
    for pay, bonus in rules:
        pay, bonus = _amount(pay, "pay"), to_money(bonus or 0)
        if bonus < 0 or bonus > pay:
            raise DomainError(
                _("The bonus must be between 0 and the top-up amount."),
                field="bonus",
                code=Problem.OUT_OF_RANGE,
            )
        parsed.append((pay, bonus))
    if len({pay for pay, _bonus in parsed}) != len(parsed):
        raise DomainError(
            _("Each top-up amount may appear once."), field="pay", code=Problem.DUPLICATE
        )
    TopUpRule.objects.filter(program=program).delete()
    return TopUpRule.objects.bulk_create(
        TopUpRule(merchant=actor.merchant, program=program, pay=pay, bonus=bonus)
        for pay, bonus in sorted(parsed)
    )


# ---- points for a catalogue item ------------------------------------------------------------


@transaction.atomic
def set_reward(*, actor: StaffContext, item_id: int, points: int | None) -> Reward | None:
    """Offer one of the shop's services for `points`; no points (or 0) withdraws the offer."""
    from regulars.merchants.models import CatalogItem

    actor.require(Action.DESIGN_CARDS)
    program = _program(actor.merchant.pk)
    item = CatalogItem.objects.filter(pk=item_id, merchant=actor.merchant).first()
    if item is None:
        raise DomainError(
            _("Choose one of your services."), field="item", code=Problem.UNKNOWN_ITEM
        )
    points = int(points or 0)
    if points < 0 or points > 10_000_000:
        raise DomainError(
            _("Enter a number of points from 1 to 10,000,000."),
            field="points",
            code=Problem.OUT_OF_RANGE,
        )
    if not points:
        Reward.objects.filter(program=program, item=item).update(is_active=False)
        return None
    reward, _created = Reward.objects.update_or_create(
        program=program,
        item=item,
        defaults={"merchant": actor.merchant, "points": points, "is_active": True},
    )
    return reward
