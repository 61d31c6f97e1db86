"""People: consumers, merchant staff and platform operators are all `User`s.

A person signs in with a phone number or an email address. What they may do at a merchant comes
from their `merchants.StaffMember`; operators are Django staff users.
"""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField
from regulars.core.phones import masked_email, masked_phone


class User(AbstractUser):
    # `username` stays for Django's admin and createsuperuser; sign-up fills it from phone/email.
    phone = models.CharField(_("phone"), max_length=20, unique=True, null=True, blank=True)
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    # When the person proved the phone is theirs with a code sent to it. Until then the account
    # does not claim what shops filed under the number (their directory entries, in a download
    # of "my data" or an erasure), and an account a shop opened for the number (a card issued at
    # the counter) waits for the real owner to prove it.
    phone_verified_at = models.DateTimeField(_("phone verified"), null=True, blank=True)

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        """How a person is named on every page and in every API answer: their chosen name, or
        their phone or email masked (138****0001). A person without a display name is shown to a
        shop's cashier, to other consumers under a review and in the audit log; the full number
        is shown only where a role may see it (`customers.selectors.contact`)."""
        if self.display_name:
            return self.display_name
        if self.phone:
            return masked_phone(self.phone)
        if self.email:
            return masked_email(self.email)
        return self.username

    @property
    def shown_name(self) -> str:
        return str(self)


class ApiToken(models.Model):
    """A bearer token for API clients. Only a SHA-256 of the key is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60, default="api")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = ClockedDateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class CodePurpose(models.TextChoices):
    SIGN_UP = "sign_up", _("Sign up")
    SIGN_IN = "sign_in", _("Sign in")
    RESET = "reset", _("Reset the password")


class PhoneCode(models.Model):
    """A 6-digit code texted to a phone to prove it is the reader's. Only a keyed hash is kept;
    it is good for a few minutes and a few tries, and for one use."""

    phone = models.CharField(max_length=20)
    purpose = models.CharField(max_length=10, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    address = models.CharField(max_length=45, blank=True)
    created_at = ClockedDateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} {self.phone[-4:]}"


class ConsentPurpose(models.TextChoices):
    ACCOUNT = "account", _("Account: terms of service and privacy notice")
    OFFERS = "offers", _("Offers and flash deals from shops")
    PUSH = "push", _("Notifications on this phone")
    SMS = "sms", _("Offers by SMS")
    LOCATION = "location", _("Using where I usually am for offers")
    SHOP_OFFERS = "shop_offers", _("Offers from one shop")
    WECHAT = "wechat", _("Notices in WeChat")


class ConsentRecord(models.Model):
    """One grant or withdrawal of consent, with time, purpose and where it was given. Append-only:
    the history is the proof (a withdrawal is a new row, never an edit)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    merchant_id = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(_("where"), max_length=40)
    at = ClockedDateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {'yes' if self.granted else 'no'}"

    @property
    def source_label(self) -> str:
        """Where it was given, in the reader's language (the stored value is a fixed key)."""
        if self.source.startswith("shop staff"):
            return str(_("Recorded by the shop's staff"))
        labels = {
            "sign-up": _("When signing up"),
            "settings": _("My message settings"),
            "shop page": _("A shop's page"),
        }
        return str(labels.get(self.source, self.source))
