from django.db import migrations


def index_with_postgis(apps, schema_editor):
    """When the database already has PostGIS, index store positions with it too."""
    from regulars.discovery import postgis

    if schema_editor.connection.vendor == "postgresql" and postgis.installed_in_database():
        postgis.enable_postgis()


class Migration(migrations.Migration):
    dependencies = [("merchants", "0002_seed_categories")]
    operations = [migrations.RunPython(index_with_postgis, migrations.RunPython.noop)]
