"""Every wellbeing answer has its issuing site (filled in by 0003, in its own transaction)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_wellbeing_answers_outlive_the_card_link")]

    operations = [
        migrations.AlterField(
            model_name="wellbeinganswer",
            name="site",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="network.site"),
        ),
    ]
