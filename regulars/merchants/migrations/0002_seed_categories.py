from django.db import migrations


def seed(apps, schema_editor):
    from regulars.merchants.categories import load_category_tree

    load_category_tree(apps.get_model("merchants", "Category"))


class Migration(migrations.Migration):
    dependencies = [("merchants", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
