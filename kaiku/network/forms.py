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
