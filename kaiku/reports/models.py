"""Population figures (the denominators) and demand from outside the network."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Population(models.Model):
    """A municipality's population in one year, from Statistics Finland's tables.

    Keyed by the official municipality code, not by ``network.Municipality``: figures
    are uploaded for every municipality, in the network or not.
    """

    municipality_code = models.CharField(_("municipality code"), max_length=3)
    year = models.PositiveSmallIntegerField(_("year"))
    total = models.PositiveIntegerField(_("population"))
    aged_16_plus = models.PositiveIntegerField(_("aged 16 or over"), null=True, blank=True)
    at_risk_of_poverty = models.PositiveIntegerField(_("people at risk of poverty"), null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        ordering = ["year", "municipality_code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "municipality_code"], name="population_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_code} {self.year}"


class Demand(models.Model):
    """Registrations refused because the home municipality is not in the network.

    Anonymous by construction: a municipality code, a month and a count, nothing else.
    """

    municipality_code = models.CharField(_("municipality code"), max_length=3)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    count = models.PositiveIntegerField(_("registrations asked for"), default=0)

    class Meta:
        verbose_name = _("demand signal")
        verbose_name_plural = _("demand signals")
        constraints = [
            models.UniqueConstraint(fields=["municipality_code", "month"], name="demand_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_code} {self.month:%Y-%m}"
