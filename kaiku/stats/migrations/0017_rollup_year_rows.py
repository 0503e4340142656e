# The three per-year summary tables become year rows of the two rollups (issue 21: fewer tables).

from django.db import migrations, models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

YEAR_DIM = "municipality_sector"  # kaiku.stats.models.YEAR_DIM at this migration
IN_USE = "in_use"  # kaiku.stats.models.IN_USE at this migration


def derive(apps, schema_editor):
    """The rollups' year rows from the facts and the card-years, as ``facts.rebuild_rollup`` and
    ``facts.rebuild_card_rollup`` derive them (written here with this migration's models, so that
    later changes to that code cannot change what an upgrade does)."""
    UseFact = apps.get_model("stats", "UseFact")
    UseRollup = apps.get_model("stats", "UseRollup")
    CardYear = apps.get_model("stats", "CardYear")
    CardRollup = apps.get_model("stats", "CardRollup")
    UseRollup.objects.filter(month=0).delete()
    CardRollup.objects.filter(month=0).delete()
    counted = UseFact.objects.filter(outcome="accepted", voided=False)
    groups = counted.values("year", "venue_area_id", "venue_municipality_id", "sector").annotate(
        n=Count("pk"),
        a=Sum("adults"),
        c=Sum(models.F("children") + models.F("community_clients")),
        s=Sum("assistants"),
    )
    UseRollup.objects.bulk_create(
        (
            UseRollup(
                year=g["year"],
                month=0,
                day=0,
                venue_area_key=g["venue_area_id"] or 0,
                dim=YEAR_DIM,
                value=f"{g['venue_municipality_id'] or ''}:{g['sector']}",
                uses=g["n"],
                adults=g["a"],
                children=g["c"],
                assistants=g["s"],
            )
            for g in groups.order_by()
        ),
        batch_size=1000,
    )
    years = CardYear.objects.values("year", site=Coalesce("card_site_id", 0), area=Coalesce("card_area_id", 0))
    CardRollup.objects.bulk_create(
        (
            CardRollup(
                year=g["year"],
                month=0,
                day=0,
                kind=IN_USE,
                card_site_key=g["site"],
                card_area_key=g["area"],
                site_municipality_key=0,
                card_kind="",
                facts=g["n"],
                used=0,
            )
            for g in years.annotate(n=Count("pk")).order_by()
        ),
        batch_size=1000,
    )


def take_out(apps, schema_editor):
    """Back to 0016: the year rows go; ``manage.py rebuild_stats`` then fills the summaries again."""
    apps.get_model("stats", "UseRollup").objects.filter(month=0).delete()
    apps.get_model("stats", "CardRollup").objects.filter(month=0).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('stats', '0016_slice_area_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='cardrollup',
            name='kind',
            field=models.CharField(choices=[('registered', 'Registered'), ('renewed', 'Renewed'), ('in_use', 'Taken into use')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddIndex(
            model_name='cardrollup',
            index=models.Index(condition=Q(('month', 0)), fields=['year'], name='cardrollup_years'),
        ),
        migrations.AddIndex(
            model_name='userollup',
            index=models.Index(condition=Q(('month', 0)), fields=['year'], name='userollup_years'),
        ),
        migrations.RunPython(derive, take_out),
        migrations.DeleteModel(name='CardYearSummary'),
        migrations.DeleteModel(name='CardSummary'),
        migrations.DeleteModel(name='UseSummary'),
    ]
