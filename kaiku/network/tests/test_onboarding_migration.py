"""Onboarding's models moved from partners to network: an existing database keeps its rows."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kaiku.network.models import (
    Acknowledgement,
    AreaStatusChange,
    ChecklistEntry,
    GuidelineVersion,
    Invitation,
    TrainingReminder,
)

BEFORE = [("partners", "0002_importrecord_moved_to_web"), ("network", "0002_retention_and_notice_settings")]
AFTER = [("partners", "0003_onboarding_moved_to_network"), ("network", "0003_onboarding_moved_from_partners")]


@pytest.mark.django_db(transaction=True)
def test_migrating_from_the_partners_schema_keeps_every_onboarding_row(world):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # the schema on main before the move: the models are partners'
    old = executor.loader.project_state(BEFORE).apps
    now = timezone.now()
    version = old.get_model("partners", "GuidelineVersion").objects.create(version="2026.1", summary="Free tickets.")
    old.get_model("partners", "Acknowledgement").objects.create(site_id=world.venue_a.pk, version=version)
    old.get_model("partners", "ChecklistEntry").objects.create(area_id=world.area_a.pk, item="venues", note="12")
    old.get_model("partners", "AreaStatusChange").objects.create(
        area_id=world.area_a.pk, from_status="planning", to_status="pilot"
    )
    old.get_model("partners", "Invitation").objects.create(
        site_id=world.venue_a.pk, email="x@example.org", token_hash="h" * 64, expires_at=now + dt.timedelta(days=1)
    )
    old.get_model("partners", "TrainingReminder").objects.create(site_id=world.venue_a.pk, year=2026, email="y@x.fi")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    assert GuidelineVersion.objects.get().version == "2026.1"
    assert Acknowledgement.objects.get().version_id == version.pk
    assert ChecklistEntry.objects.get().note == "12"
    assert AreaStatusChange.objects.get().to_status == "pilot"
    assert Invitation.objects.get().email == "x@example.org"
    assert TrainingReminder.objects.get().year == 2026
    # Migrating back unapplied every later migration that depends on the move (another
    # app's too): the rest of this worker's tests need the whole schema again.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not MigrationExecutor(connection).migration_plan(executor.loader.graph.leaf_nodes())
