from django import forms

from kaiku.network.models import NationalSettings


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
        ]
