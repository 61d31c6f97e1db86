"""Coupons used at the till become visits of their own (promotions/visits.py): existing ones are
judged by the same rule, against the card purchases recorded around them, and the directory's
running figures take the visits they add."""

import datetime as dt

from django.db import migrations, models
from django.db.models import F

SAME_OCCASION = dt.timedelta(hours=3)


def judge_existing_redemptions(apps, schema_editor):
    Redemption = apps.get_model("promotions", "Redemption")
    Purchase = apps.get_model("membership", "Purchase")
    Customer = apps.get_model("crm", "Customer")
    for redemption in Redemption.objects.filter(
        order__isnull=True, consumer__isnull=False, reversed_at__isnull=True
    ).iterator(chunk_size=2000):
        told_by_a_purchase = Purchase.objects.filter(
            merchant_id=redemption.merchant_id,
            card__consumer_id=redemption.consumer_id,
            order__isnull=True,
            voids__isnull=True,
            voided_by__isnull=True,
            created_at__gte=redemption.created_at - SAME_OCCASION,
            created_at__lte=redemption.created_at + SAME_OCCASION,
        ).exists()
        if not told_by_a_purchase:
            Redemption.objects.filter(pk=redemption.pk).update(is_visit=True)
            Customer.objects.filter(
                merchant_id=redemption.merchant_id, consumer_id=redemption.consumer_id
            ).update(
                visits=F("visits") + 1, spend=F("spend") + redemption.bill - redemption.discount
            )


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0003_read_the_one_clock"),
        ("membership", "0009_tier_decisions"),
        ("crm", "0025_import_created_tags"),
    ]

    operations = [
        migrations.AddField(
            model_name="redemption",
            name="is_visit",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(judge_existing_redemptions, migrations.RunPython.noop),
    ]
