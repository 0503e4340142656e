"""Wellbeing answers carry their issuing site and a random respondent key (issue 18).

The statistics read the site and pair a card's registration and renewal answers by the
key, so the link to the card can be emptied when the holder's details are reduced or
erased. Existing answers get the card's site and one key per card; answers of cards
already reduced lose their card link here.
"""

import secrets

import django.db.models.deletion
from django.db import migrations, models


def fill_site_and_respondent(apps, schema_editor):
    WellbeingAnswer = apps.get_model("portal", "WellbeingAnswer")
    keys: dict[int, str] = {}
    for answer in WellbeingAnswer.objects.select_related("card").order_by("pk").iterator():
        answer.site_id = answer.card.site_id
        answer.respondent = keys.setdefault(answer.card_id, secrets.token_hex(16))
        if answer.card.details_reduced_on is not None:
            answer.card_id = None
        answer.save(update_fields=["site", "respondent", "card"])


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0002_holder_details_reduced"),
        ("network", "0001_initial"),
        ("portal", "0002_group_visit_held_places"),
    ]

    operations = [
        migrations.AddField(
            model_name="wellbeinganswer",
            name="site",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="network.site"
            ),
        ),
        migrations.AddField(
            model_name="wellbeinganswer",
            name="respondent",
            field=models.CharField(db_index=True, default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="wellbeinganswer",
            name="card",
            field=models.ForeignKey(
                blank=True,
                help_text="Emptied when the card's holder details are reduced or erased; the answers stay anonymous.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="wellbeing_answers",
                to="cards.card",
            ),
        ),
        migrations.RunPython(fill_site_and_respondent, migrations.RunPython.noop),
    ]
