"""``QuickSelect`` gives the HTML that Django's ``Select`` gives."""

import pytest
from django import forms
from django.test.html import parse_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from kaiku.network.models import Area, Municipality
from kaiku.web.widgets import QuickSelect

CHOICES = [("", _("All")), ("culture", _("Culture")), ("a&b", "<b>a & b</b>"), ("3", "Kolme")]


def _form(widget: type[forms.Select]) -> type[forms.Form]:
    class Form(forms.Form):
        kind = forms.ChoiceField(choices=CHOICES, required=False, widget=widget(attrs={"class": "pick"}))
        needed = forms.ChoiceField(choices=CHOICES[1:], widget=widget)
        municipality = forms.ModelChoiceField(
            queryset=Municipality.objects.order_by("code"), required=False, empty_label=_("All"), widget=widget
        )
        grouped = forms.ChoiceField(
            choices=[("Ryhmä", [("x", "X"), ("y", "Y")]), ("z", "Z")], required=False, widget=widget
        )

    return Form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"kind": "a&b", "needed": "3", "grouped": "y"},
        {"kind": "nonsense", "needed": "culture"},
        {"municipality": "chosen"},
    ],
)
def test_a_quick_select_renders_what_a_select_renders(data):
    area = Area.objects.create(name="Alue", slug="alue", status="active")
    chosen = Municipality.objects.create(code="091", name_fi="Helsinki", area=area)
    Municipality.objects.create(code="049", name_fi="Espoo <Esbo>", area=area)
    if data and data.get("municipality") == "chosen":
        data = {**data, "municipality": str(chosen.pk)}
    with override("sv"):
        for name in ("kind", "needed", "municipality", "grouped"):
            plain, quick = _form(forms.Select)(data)[name], _form(QuickSelect)(data)[name]
            assert parse_html(str(quick)) == parse_html(str(plain)), name
    quick = str(_form(QuickSelect)({"kind": "a&b"})["kind"])
    assert '<option value="a&amp;b" selected>&lt;b&gt;a &amp; b&lt;/b&gt;</option>' in quick
    assert 'class="pick"' in quick
