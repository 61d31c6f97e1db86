"""A bill line's "served by" now names a person on the team (a profile, with or without a console
account) instead of a console account. Each account that served lines gets a profile in the
store it served in, named as the account is, linked to it; its lines move to that profile."""

import django.db.models.deletion
from django.db import migrations, models


def to_team_members(apps, schema_editor):
    BillLine = apps.get_model("counter", "BillLine")
    TeamMember = apps.get_model("team", "TeamMember")
    profiles = {}
    lines = BillLine.objects.filter(served_by__isnull=False).select_related("bill", "served_by")
    for line in lines.iterator():
        merchant_id, user = line.bill.merchant_id, line.served_by
        key = (merchant_id, user.pk)
        if key not in profiles:
            profile = TeamMember.objects.filter(merchant_id=merchant_id, user_id=user.pk).first()
            if profile is None:
                profile = TeamMember.objects.create(
                    merchant_id=merchant_id,
                    store_id=line.bill.store_id,
                    name=(user.display_name or user.username)[:40],
                    user_id=user.pk,
                    bookable=False,
                )
            profiles[key] = profile.pk
        BillLine.objects.filter(pk=line.pk).update(served_by_member=profiles[key])


class Migration(migrations.Migration):
    dependencies = [
        ("counter", "0006_punch_card_tender"),
        ("team", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="billline",
            name="served_by_member",
            field=models.ForeignKey(
                null=True,
                blank=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="team.teammember",
            ),
        ),
        migrations.RunPython(to_team_members, migrations.RunPython.noop),
        migrations.RemoveField(model_name="billline", name="served_by"),
        migrations.RenameField(
            model_name="billline", old_name="served_by_member", new_name="served_by"
        ),
    ]
