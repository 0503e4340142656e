from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, ChecklistItem, GuidelineVersion, Invitation, Municipality, NationalSettings, Site
from kaiku.network.onboarding import ALLOWED_TRANSITIONS


class NationalSettingsForm(forms.ModelForm):
    class Meta:
        model = NationalSettings
        fields = [
            "min_holder_age",
            "child_age_limit",
            "card_validity_days",
            "community_group_max",
            "community_client_age_limit",
            "small_count_threshold",
            "holder_details_years",
            "sign_in_attempt_days",
            "idle_device_days",
            "spent_link_days",
            "feedback_text_days",
            "audit_values_years",
            "read_log_years",
            "controller",
            "privacy_contact",
            "dpo_contact",
            "accessibility_feedback",
        ]


class SiteForm(forms.ModelForm):
    """A new partner in an area: the web form and every row of a sites import."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), to_field_name="code", required=False
    )

    class Meta:
        model = Site
        fields = [
            "kind",
            "name",
            "organisation",
            "municipality",
            "sector",
            "address",
            "website",
            "contact_name",
            "contact_email",
        ]

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = area
        self.fields["municipality"].queryset = Municipality.objects.filter(area=area)  # type: ignore[attr-defined]
        self.fields["municipality"].label_from_instance = lambda m: f"{m} ({m.code})"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == Site.Kind.VENUE and not data.get("sector"):
            self.add_error("sector", _("A venue has a sector."))
        name = (data.get("name") or "").strip()
        if name and Site.objects.filter(area=self.area, kind=data.get("kind"), name__iexact=name).exists():
            self.add_error("name", _("A partner of this kind with this name is already in the area."))
        return data

    def save(self, commit: bool = True) -> Site:
        self.instance.area = self.area
        return super().save(commit=commit)


class InvitationForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    email = forms.EmailField(label=_("E-mail address"))
    kind = forms.ChoiceField(label=_("Invite as"), choices=Invitation.Kind.choices, initial=Invitation.Kind.ADMIN)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class StaffInvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))


class AcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), min_length=10
    )
    contact_name = forms.CharField(label=_("Contact person for the partner"), max_length=120, required=False)
    contact_email = forms.EmailField(label=_("Contact person's e-mail"), required=False)
    acknowledge = forms.BooleanField(
        label=_("On behalf of the partner, I have read and commit to the national Kaikukortti guideline"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        invitation: Invitation,
        guideline: GuidelineVersion | None,
        existing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing
        if existing:
            # The account is there already: its password proves it is theirs.
            del self.fields["full_name"]
            password = self.fields["password"]
            assert isinstance(password, forms.CharField)
            password.label = _("Your Kaikukortti password")
            password.min_length = None
            password.validators = []
            password.widget.attrs.update({"autocomplete": "current-password"})
            password.widget.attrs.pop("minlength", None)
        if invitation.kind != Invitation.Kind.ADMIN:
            for name in ("contact_name", "contact_email", "acknowledge"):
                del self.fields[name]
        elif guideline is None:
            del self.fields["acknowledge"]
        else:
            self.fields["acknowledge"].required = True

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.existing:
            validate_password(password)
        return password


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["name", "slug", "kind", "local_only"]


class AreaStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Area.Status.choices)
    pilot_start = forms.DateField(
        label=_("Pilot start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pilot_end = forms.DateField(label=_("Pilot end"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS.get(Area.Status(area.status), set())
        self.fields["status"].choices = [(v, label) for v, label in Area.Status.choices if v in allowed]  # type: ignore[attr-defined]


class ChecklistForm(forms.Form):
    item = forms.ChoiceField(choices=ChecklistItem.choices)
    done = forms.BooleanField(required=False)


class GuidelineForm(forms.ModelForm):
    class Meta:
        model = GuidelineVersion
        fields = ["version", "summary", "url"]


class OffboardForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
