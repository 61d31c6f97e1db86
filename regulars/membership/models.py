"""Electronic member cards: programs, tiers, cards, and their points and stored-value ledgers.

Ledgers are append-only: a balance is the sum of its entries. Each card also caches its balances
so that a spend can check them under a row lock; `selectors.ledger_mismatches` proves the cache
equals the sums. Every entry that moves value carries a unique idempotency key.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField, TimeStampedModel
from regulars.core.money import MoneyField
from regulars.merchants.models import Merchant, Store


class CardTemplate(models.TextChoices):
    CLASSIC = "classic", _("Classic")
    FRESH = "fresh", _("Fresh")
    NIGHT = "night", _("Night")
    GOLD = "gold", _("Gold")


class CardProgram(TimeStampedModel):
    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="card_program")
    title = models.CharField(_("card title"), max_length=40)
    subtitle = models.CharField(_("line under the title"), max_length=60, blank=True)
    template = models.CharField(
        _("template"), max_length=20, choices=CardTemplate.choices, default=CardTemplate.CLASSIC
    )
    color = models.CharField(_("main colour"), max_length=7, default="#e8572a")
    text_color = models.CharField(_("text colour"), max_length=7, default="#ffffff")
    logo = models.ImageField(_("logo"), upload_to="cards/logos/", blank=True)
    background = models.ImageField(
        _("background picture"), upload_to="cards/backgrounds/", blank=True
    )
    published = models.BooleanField(_("published"), default=False)
    auto_approve = models.BooleanField(_("approve applications automatically"), default=True)
    # Redemption: how many points make ¥1 off.
    points_per_yuan_off = models.PositiveIntegerField(_("points for ¥1 off"), default=100)
    min_redeem_points = models.PositiveIntegerField(_("fewest points used at once"), default=100)
    max_redeem_percent = models.PositiveSmallIntegerField(
        _("points pay at most this percentage of a bill"), default=50
    )
    points_expire = models.BooleanField(
        _("points expire at the end of the following year"), default=True
    )
    points_round_nearest = models.BooleanField(
        _("round points to the nearest whole point (otherwise down)"), default=False
    )
    # Services that earn no points (e.g. set meals already discounted).
    excluded_items = models.ManyToManyField(
        "merchants.CatalogItem",
        blank=True,
        related_name="+",
        verbose_name=_("services that earn no points"),
    )

    def __str__(self) -> str:
        return self.title


class Tier(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(CardProgram, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("tier name"), max_length=20)
    rank = models.PositiveSmallIntegerField(_("rank"))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    points_per_yuan = models.DecimalField(
        _("points per ¥1 spent"), max_digits=6, decimal_places=2, default=Decimal("1")
    )
    benefits = models.CharField(_("benefits"), max_length=200, blank=True)
    # Automatic upgrade: this much spent within the last `qualify_days` days.
    qualify_spend = MoneyField(_("spend to qualify"), default=Decimal("0"))
    qualify_points = models.PositiveIntegerField(_("or points earned to qualify"), default=0)
    qualify_days = models.PositiveIntegerField(_("within (days)"), default=365)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["program", "rank"], name="one_tier_per_rank")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def automatic(self) -> bool:
        """Reached by spending or earning; otherwise (above the first tier) by decision only."""
        return self.qualify_spend > 0 or self.qualify_points > 0


class TopUpRule(models.Model):
    """充500送50: paying at least `pay` adds `bonus` on top."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(CardProgram, on_delete=models.CASCADE, related_name="topup_rules")
    pay = MoneyField(_("top up at least"))
    bonus = MoneyField(_("bonus"))

    class Meta:
        ordering = ["pay"]

    def __str__(self) -> str:
        return f"充{self.pay}送{self.bonus}"


class CardStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Card(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="cards")
    program = models.ForeignKey(CardProgram, on_delete=models.CASCADE, related_name="cards")
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cards"
    )
    number = models.CharField(max_length=12, unique=True)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="cards")
    status = models.CharField(max_length=20, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    password_hash = models.CharField(max_length=200, blank=True)
    failed_password_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Cached balances, always changed in the same transaction as the ledger entry (card row locked).
    points = models.IntegerField(default=0)
    principal = MoneyField(default=Decimal("0"))
    bonus = MoneyField(default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "consumer"], name="one_card_per_merchant"),
            models.CheckConstraint(
                condition=models.Q(points__gte=0), name="card_points_never_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(principal__gte=0) & models.Q(bonus__gte=0),
                name="card_value_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> Decimal:
        return self.principal + self.bonus


class Purchase(models.Model):
    """A consumption recorded on the card (online order or at the till). A void is a new row."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="purchases")
    store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = MoneyField()
    description = models.CharField(max_length=200, blank=True)
    order = models.OneToOneField(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_purchase",
    )
    voids = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="voided_by"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=80, unique=True)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.card} {self.amount}"


class PointsKind(models.TextChoices):
    EARN = "earn", _("Earned")
    SPEND = "spend", _("Spent")
    ADJUST = "adjust", _("Adjusted")
    EXPIRE = "expire", _("Expired")
    VOID = "void", _("Voided")


class PointsEntry(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="points_entries")
    kind = models.CharField(max_length=20, choices=PointsKind.choices)
    delta = models.IntegerField()
    expires_at = models.DateTimeField(null=True, blank=True)
    purchase = models.ForeignKey(
        Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="points_entries"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["card", "created_at"], name="points_card_time")]

    def __str__(self) -> str:
        return f"{self.card} {self.delta:+d} {self.kind}"


class ValueKind(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    SPEND = "spend", _("Payment")
    REFUND = "refund", _("Refund")
    VOID = "void", _("Voided")
    RETURN = "return", _("Returned by a bill refund")


class ValueEntry(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    # Indexed by value_card_time, whose first column it is: a second index on the card alone
    # would only slow every spend.
    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="value_entries", db_index=False
    )
    kind = models.CharField(max_length=20, choices=ValueKind.choices)
    principal_delta = MoneyField()
    bonus_delta = MoneyField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voids = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="voided_by"
    )
    idempotency_key = models.CharField(max_length=80)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["card", "created_at"], name="value_card_time")]
        # A constraint rather than unique=True: on PostgreSQL, unique=True on a CharField also
        # builds a LIKE index that nothing searches and every spend would have to write.
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="value_key_used_once")
        ]

    def __str__(self) -> str:
        return f"{self.card} {self.amount:+} {self.kind}"

    @property
    def amount(self) -> Decimal:
        return self.principal_delta + self.bonus_delta


class PrintedCard(models.Model):
    """A number printed on a physical card, waiting to be handed to a customer."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="printed_cards")
    program = models.ForeignKey(CardProgram, on_delete=models.CASCADE, related_name="printed_cards")
    number = models.CharField(max_length=12, unique=True)
    batch = models.PositiveIntegerField()
    card = models.OneToOneField(
        Card, null=True, blank=True, on_delete=models.SET_NULL, related_name="printed"
    )
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return self.number


class Reward(models.Model):
    """A catalogue item a card holder can have for points (e.g. a free wash for 800 points)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(CardProgram, on_delete=models.CASCADE, related_name="rewards")
    item = models.ForeignKey("merchants.CatalogItem", on_delete=models.CASCADE, related_name="+")
    points = models.PositiveIntegerField(_("points"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["points", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "item"], name="one_reward_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item} = {self.points}"


class TierDecision(models.Model):
    """The shop put a card in a tier by decision (a VIP given to a key customer), with why and by
    whom. Append-only: the card's history and the audit log read it."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="tier_decisions")
    from_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    # The last day the decision holds against the periodic review (none: until decided again).
    until = models.DateField(_("holds until"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.card_id}: {self.from_tier} → {self.to_tier}"
