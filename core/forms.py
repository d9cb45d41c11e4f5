from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from core.models import User

TIMEZONE_CHOICES = sorted((tz, tz.replace("_", " ")) for tz in available_timezones() if "/" in tz)


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class SignUpForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text="At least 10 characters, not a common password.",
    )
    organization_name = forms.CharField(
        max_length=120, label="Shop, creator or agency name", help_text="You become its owner and can invite your team."
    )
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="America/New_York")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("An account with this email exists already. Log in, or reset the password.")
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            try:
                password_validation.validate_password(
                    cleaned["password"], User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label="Organization name")


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES)

    class Meta:
        model = User
        fields = ["full_name", "timezone", "email_mode", "digest_hour", "weekly_summary"]
        labels = {"email_mode": "Reminder emails", "digest_hour": "Digest hour (your time, 0-23)"}

    def clean_digest_hour(self) -> int:
        hour = self.cleaned_data["digest_hour"]
        if hour > 23:
            raise forms.ValidationError("Choose an hour from 0 to 23.")
        return hour
