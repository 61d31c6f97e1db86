import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The staff role row is `StaffMember`, not `Membership` (the membership app is member
    cards). The table follows the name; the rows, the content type and permissions are kept."""

    dependencies = [
        ("merchants", "0004_read_the_one_clock"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="membership", name="one_membership_per_merchant"),
        migrations.RenameModel(old_name="Membership", new_name="StaffMember"),
        migrations.AlterField(
            model_name="staffmember",
            name="merchant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="staff_roles",
                to="merchants.merchant",
            ),
        ),
        migrations.AlterField(
            model_name="staffmember",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="staff_roles",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="staffmember",
            constraint=models.UniqueConstraint(
                fields=("merchant", "user"), name="one_staff_role_per_merchant"
            ),
        ),
    ]
