# The three per-year summary tables go: the use rollup's year rows and the card rollup's month rows
# hold what they held (issue 21: fewer tables).

from django.db import migrations, models
from django.db.models import Count, Q, Sum

YEAR_DIM = "municipality_sector"  # kaiku.stats.models.YEAR_DIM at this migration


def derive(apps, schema_editor):
    """The use rollup's year rows from the facts, as ``facts.rebuild_rollup`` derives them (written
    here with this migration's models, so that later changes to that code cannot change what an
    upgrade does). The card summaries need nothing: the card rollup's month rows hold them."""
    UseFact = apps.get_model("stats", "UseFact")
    UseRollup = apps.get_model("stats", "UseRollup")
    UseRollup.objects.filter(month=0).delete()
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


def take_out(apps, schema_editor):
    """Back to 0016: the year rows go; ``manage.py rebuild_stats`` then fills the summaries again."""
    apps.get_model("stats", "UseRollup").objects.filter(month=0).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('stats', '0016_slice_area_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='userollup',
            index=models.Index(condition=Q(('month', 0)), fields=['year'], name='userollup_years'),
        ),
        migrations.RunPython(derive, take_out),
        migrations.DeleteModel(name='CardYearSummary'),
        migrations.DeleteModel(name='CardSummary'),
        migrations.DeleteModel(name='UseSummary'),
    ]
