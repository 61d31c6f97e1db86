"""The people who serve customers (技师, 发型师, 教练) and what they earn for it (提成).

A team member is a profile, not a sign-in: many technicians never open the console. When one
does, `user` links the two, so a till line they ring up or an order they confirm is theirs.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.models import TimeStampedModel
from regulars.merchants.models import CatalogItem, Merchant, Store, Weekday


class TeamMember(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(_("name"), max_length=40)
    title = models.CharField(_("title"), max_length=40, blank=True)  # 发型总监, 洗车技师
    bio = models.CharField(_("about"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="team/%Y/%m/", blank=True)
    items = models.ManyToManyField(
        CatalogItem, related_name="performers", blank=True, verbose_name=_("services performed")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("console account"),
    )
    # How many customers this person serves at once (a coach's class may take several).
    capacity = models.PositiveSmallIntegerField(_("customers at once"), default=1)
    bookable = models.BooleanField(_("customers can choose them online"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["merchant", "is_active"], name="team_merchant_active")]

    def __str__(self) -> str:
        return f"{self.name} · {self.title}" if self.title else self.name


class WorkingHours(models.Model):
    """A person's weekly hours; a person with none works whenever the store is open."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "starts"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class CommissionKind(models.TextChoices):
    SERVICE = "service", _("One service")
    SECTION = "section", _("A menu section")
    DEFAULT = "default", _("Any other service")
    STORED_VALUE = "stored_value", _("Selling stored value")
    PUNCH_CARD = "punch_card", _("Selling punch cards")
    PACKAGE = "package", _("Selling packages")


class CommissionBasis(models.TextChoices):
    PERCENT = "percent", _("Percentage of what was paid")
    FIXED = "fixed", _("Fixed sum per unit")


class CommissionRule(TimeStampedModel):
    """What a team member earns on one kind of line. The most specific rule wins: the service's
    own, then its menu section's, then the default (see `team.commission`)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("applies to"), max_length=20, choices=CommissionKind.choices)
    item = models.ForeignKey(
        CatalogItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    section = models.CharField(_("menu section"), max_length=40, blank=True)
    basis = models.CharField(_("basis"), max_length=10, choices=CommissionBasis.choices)
    # A percentage (10.00 = 10 %) or yuan per unit, as `basis` says.
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2)
    # One rule per target: "item:12", "section:染烫", or the kind alone.
    scope = models.CharField(max_length=60, editable=False)

    class Meta:
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        ordering = ["kind", "section", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "scope"], name="one_commission_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.value} {self.basis}"
