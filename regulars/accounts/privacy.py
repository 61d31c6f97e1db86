"""A person's own data: everything held about them as JSON, erasure on request, and their
consent history.

Export is generic on purpose: every row of every Regulars model that points at the person (any
foreign key to the user) or carries their phone number is included, so a table added later is
exported without editing this module. Secrets (password hashes, token hashes, push keys) are left
out.

Erasure anonymises instead of deleting where the rows are someone else's records too: ledgers,
orders, cards and settlement stay (a merchant's books must still add up and statistics stay
consistent) but point at an account that no longer says who it was. What is only about the person
— where they live and search, their devices, their inbox — is deleted. Each app declares what
erasure does to its models (`erase_on_request`) and what a person holds (`held_by`) in its
`ready()`; a model not declared keeps its rows, linked to the anonymous account.
"""

import datetime as dt
import json
from decimal import Decimal

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext as _

from regulars.accounts.errors import Problem
from regulars.core import clock
from regulars.core.errors import DomainError

from .events import personal_data_erased, personal_data_exported
from .models import ApiToken, ConsentPurpose, ConsentRecord, User

SECRET_FIELDS = {"password", "password_hash", "key_hash", "p256dh", "auth", "token"}

# What erasure does to each model's rows about the person: model → (the field that names the
# person, "delete" or the fields to blank with the value each gets). Other user fields on the
# same model (a customer's account manager, who recorded a purchase) are someone else's and
# untouched. Each app declares its own models in its `ready()` with `erase_on_request`.
ERASURE: dict[type, tuple[str, str | dict]] = {}


def erase_on_request(model, *, person: str, rule: str | dict) -> None:
    """Declare what erasing a person does to `model`'s rows naming them in `person`: "delete",
    or {field: blank value} to anonymise rows that are someone else's records too."""
    ERASURE[model] = (person, rule)


def _regulars_models():
    for model in apps.get_models():
        if model.__module__.startswith("regulars.") and not model._meta.proxy:
            yield model


# Things a person holds, by the field that names the holder: rows pointing at one of these (a
# card's ledger entries, an order's lines, a complaint's events) are the person's data as well.
# Each app declares its own in its `ready()` with `held_by`.
HELD: dict[type, str] = {}


def held_by(model, *, holder: str) -> None:
    """Declare that rows pointing at a `model` row belong to the person in its `holder` field."""
    HELD[model] = holder


# How a row can point at a person. As its subject (the row is about them: their card, their
# review, their complaint) — exported. As staff doing their job (who recorded a purchase, the
# account manager of someone else) — not exported: those rows are about other people, and a
# staff member's download must not carry the customers they look after. Every foreign key to a
# user is in one of the two sets (a test fails on a new one until it is placed).
SUBJECT_FIELDS = {"author", "consumer", "payer", "reporter", "user"}
STAFF_FIELDS = {
    "accepted_by",
    "account_manager",
    "after",
    "assignee",
    "before",
    "by",
    "cashier",
    "changed_by",
    "cleared_by",
    "closed_by",
    "consumed_by",
    "created_by",
    "decided_by",
    "flagged_by",
    "handler",
    "invited_by",
    "issued_by",
    "owner",
    "promised_by",
    "proposed_by",
    "raised_by",
    "recorded_by",
    "redeemed_by",
    "refunded_by",
    "served_by",
    "updated_by",
}


def _proved_phone(user: User) -> bool:
    """Rows a shop filed under a phone number are someone's only once they proved the number:
    otherwise signing up as any number would download, or erase, what shops hold about it."""
    return bool(user.phone and user.phone_verified_at)


def _rows_about(user: User):
    """(model, queryset) for every model with rows about `user`: rows that name them as their
    subject, carry their phone number, or point at something they hold."""
    for model in _regulars_models():
        if model is User:
            continue
        condition = models.Q()
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target is User and field.name in SUBJECT_FIELDS:
                condition |= models.Q(**{field.attname: user.pk})
            elif target is not None and target in HELD:
                holder = HELD[target]
                condition |= models.Q(**{f"{field.name}__{holder}": user.pk})
            elif field.name == "phone" and _proved_phone(user):
                condition |= models.Q(phone=user.phone)
        if condition:
            rows = model._default_manager.filter(condition)
            yield model, rows


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time, Decimal)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if hasattr(value, "name") and hasattr(value, "url"):  # a file field
        return value.name or None
    return value


def _as_dict(instance) -> dict:
    return {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.name not in SECRET_FIELDS
    }


def export_personal_data(*, user: User) -> dict:
    """Everything held about `user`, grouped by table."""
    data = {
        "exported_at": clock.now().isoformat(),
        "account": _as_dict(user),
        "tables": {},
    }
    for model, rows in _rows_about(user):
        found = [_as_dict(row) for row in rows.order_by("pk")[:50_000]]
        if found:
            data["tables"][model._meta.label_lower] = found
    personal_data_exported.send(sender=User, user=user)
    return data


def export_as_json(*, user: User) -> str:
    return json.dumps(export_personal_data(user=user), cls=DjangoJSONEncoder, ensure_ascii=False)


# Why a person may not be erased yet, asked of the apps that hold what they would lose: each
# registers a function of the user that answers a reason (translated) or None. Registered in
# the apps' `ready()`: membership (stored value on a card), merchants (an active staff role),
# orders (a paid order not yet used or refunded).
ERASURE_BLOCKERS: list = []


def register_erasure_blocker(reason_for) -> None:
    if reason_for not in ERASURE_BLOCKERS:
        ERASURE_BLOCKERS.append(reason_for)


def _still_owed(user: User) -> list[str]:
    """Why not yet: what each app says the person would lose."""
    return [reason for reason_for in ERASURE_BLOCKERS if (reason := reason_for(user))]


@transaction.atomic
def erase_personal_data(*, user: User, password: str | None = None, check_password=True) -> None:
    """Anonymise the account and what is only about the person; keep the books consistent."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active and user.username.startswith("erased-"):
        raise DomainError(_("This account has already been erased."), code=Problem.ALREADY_ERASED)
    if check_password and not user.check_password(password or ""):
        raise DomainError(_("Wrong password."), field="password", code=Problem.WRONG_PASSWORD)
    owed = _still_owed(user)
    if owed:
        raise DomainError(
            _("Not yet: %(reasons)s. Use it or ask the shop for a refund first.")
            % {"reasons": "; ".join(owed)},
            code=Problem.VALUE_OUTSTANDING,
        )
    for model, (field, rule) in ERASURE.items():
        condition = models.Q(**{field: user.pk})
        if _proved_phone(user) and "phone" in {f.name for f in model._meta.concrete_fields}:
            condition |= models.Q(phone=user.phone)  # rows a shop filed by phone number alone
        rows = model._default_manager.filter(condition)
        if rule == "delete":
            rows.delete()
        else:
            rows.update(**rule)
    ApiToken.objects.filter(user=user).delete()
    user.username = f"erased-{user.pk}"
    user.phone = None
    user.email = None
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    personal_data_erased.send(sender=User, user_id=user.pk)


def record_consent(
    *, user: User, purpose: str, granted: bool, source: str, merchant_id: int | None = None
) -> ConsentRecord:
    if purpose not in ConsentPurpose.values:
        raise DomainError(_("Unknown purpose."), field="purpose", code=Problem.UNKNOWN_CHOICE)
    return ConsentRecord.objects.create(
        user=user, purpose=purpose, granted=granted, source=source[:40], merchant_id=merchant_id
    )


def consent_history(user: User):
    return ConsentRecord.objects.filter(user=user).order_by("-at", "-id")
