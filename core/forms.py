from __future__ import annotations

from zoneinfo import available_timezones

from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MaxValueValidator

from core.models import Organization, Role, User

TIMEZONE_CHOICES = sorted((tz, tz.replace("_", " ")) for tz in available_timezones() if "/" in tz)


class SignUpForm(AllauthSignupForm):
    """allauth's sign-up (email, password; enumeration-safe) plus the person's name."""

    full_name = forms.CharField(
        max_length=150, label="Your name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = "At least 10 characters, not a common password."
        self.order_fields(["full_name", "email", "password1"])


class ResetPasswordForm(AllauthResetPasswordForm):
    """The account lookup and the link move to a task (core.tasks.password_reset_email_send), so a reset for a
    known address takes exactly the work of one for an unknown address: validate, enqueue, answer."""

    def clean_email(self) -> str:
        self.users = []
        return self.cleaned_data["email"].strip().lower()

    def save(self, request, **kwargs) -> str:
        from core.auth_adapters import account_task_run
        from core.tasks import password_reset_email_send

        account_task_run(password_reset_email_send, self.cleaned_data["email"])
        return self.cleaned_data["email"]


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label="Shop, creator or agency name",
        help_text="You become its owner and can invite your team.",
    )
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="America/New_York", label="Time zone")


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES)

    class Meta:
        model = User
        fields = ["full_name", "timezone", "reminder_emails", "email_mode", "digest_hour", "weekly_summary"]
        labels = {
            "reminder_emails": "Send me deadline reminder emails",
            "email_mode": "Reminder emails",
            "digest_hour": "Digest hour (your time, 0-23)",
        }

    def clean_digest_hour(self) -> int:
        hour = self.cleaned_data["digest_hour"]
        if hour > 23:
            raise forms.ValidationError("Choose an hour from 0 to 23.")
        return hour


# --- People: invitations, members, accepting an invitation --------------------------------------


class InvitationForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.MEMBER,
        help_text="Viewers read; members edit cases; managers also see analytics and manage accounts; "
        "owners also manage people and settings.",
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text="At least 10 characters, not a common password.",
    )

    def __init__(self, *args, email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            try:
                password_validation.validate_password(
                    cleaned["password"], User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


# --- Organization settings ----------------------------------------------------------------------

WEEKDAY_CHOICES = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]

SETTINGS_GROUPS = [
    ("Organization", ["name", "is_agency"]),
    (
        "Team clock (working days and hours: when reminders go out)",
        ["timezone", "holiday_country", "holiday_subdivision", "working_days", "opens_at", "closes_at"],
    ),
    (
        "Platform rules, version 1 of every market (markets may have later versions)",
        ["review_business_days", "appeal_window_days", "follow_up_window_days", "max_rounds", "appeal_char_limit"],
    ),
    (
        "Escalations and support tickets",
        [
            "escalation_answer_business_days",
            "ticket_first_response_hours",
            "ticket_resolution_hours",
            "authorization_notice_days",
        ],
    ),
    (
        "Repeat violations and penalty points",
        ["repeat_violation_count", "repeat_violation_days", "penalty_point_expiry_days", "penalty_point_milestones"],
    ),
]


# Upper bounds far past any platform's published figure: each deadline is counted for every open case when a
# setting changes, and the columns are small integers (99999 hours was a database error, a 500, before).
SETTING_MAXIMA = {
    "review_business_days": 90,
    "appeal_window_days": 365,
    "follow_up_window_days": 365,
    "max_rounds": 10,
    "escalation_answer_business_days": 90,
    "ticket_first_response_hours": 2000,
    "ticket_resolution_hours": 2000,
    "appeal_char_limit": 100000,
    "authorization_notice_days": 365,
    "repeat_violation_count": 1000,
    "repeat_violation_days": 3650,
    "penalty_point_expiry_days": 3650,
}


class OrganizationSettingsForm(forms.Form):
    """Validates and normalises input only; the calendar and owner rules live in core.services.organization_update."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.forms.models import fields_for_model

        from core.services import SETTINGS_FIELDS

        generated = fields_for_model(Organization, fields=list(SETTINGS_FIELDS))
        generated["timezone"] = forms.ChoiceField(choices=TIMEZONE_CHOICES, label="Time zone")
        generated["holiday_country"] = forms.CharField(
            max_length=2, label="Holiday country", help_text="Two-letter code, e.g. US, GB, DE."
        )
        generated["holiday_subdivision"] = forms.CharField(
            max_length=10,
            required=False,
            label="State / region",
            help_text="Optional, e.g. CA for California or BY for Bavaria; adds regional holidays.",
        )
        generated["working_days"] = forms.TypedMultipleChoiceField(
            choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple, label="Working days"
        )
        generated["opens_at"] = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
        generated["closes_at"] = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
        generated["penalty_point_milestones"] = forms.CharField(
            required=False,
            label="Penalty point milestones",
            help_text="Point totals that trigger restrictions, separated by commas (e.g. 12, 24, 36, 48). Empty: none.",
        )
        labels = {
            "review_business_days": "Platform review time (business days)",
            "appeal_window_days": "Appeal window (days after enforcement)",
            "follow_up_window_days": "Follow-up appeal window (days after a decision)",
            "max_rounds": "Appeal rounds allowed",
            "appeal_char_limit": "Appeal text limit (characters)",
            "escalation_answer_business_days": "Escalation answer expected within (business days)",
            "ticket_first_response_hours": "Ticket first response SLA (hours)",
            "ticket_resolution_hours": "Ticket resolution SLA (hours)",
            "authorization_notice_days": "Warn before partner authorization expires (days)",
            "repeat_violation_count": "Repeat violations: count",
            "repeat_violation_days": "Repeat violations: within (days)",
            "penalty_point_expiry_days": "Penalty points expire after (days)",
            "is_agency": "We are an agency acting for shops or creators",
        }
        for name in SETTINGS_FIELDS:
            field = generated[name]
            if name in labels:
                field.label = labels[name]
            if name in SETTING_MAXIMA:
                field.max_value = SETTING_MAXIMA[name]
                field.validators.append(MaxValueValidator(SETTING_MAXIMA[name]))
                field.widget.attrs["max"] = SETTING_MAXIMA[name]
            self.fields[name] = field

    def clean_holiday_country(self) -> str:
        return self.cleaned_data["holiday_country"].strip().upper()

    def clean_holiday_subdivision(self) -> str:
        return self.cleaned_data["holiday_subdivision"].strip().upper()

    def clean_penalty_point_milestones(self) -> list[int]:
        raw = self.cleaned_data["penalty_point_milestones"]
        if isinstance(raw, list):
            return raw
        parts = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
        try:
            values = sorted({int(p) for p in parts})
        except ValueError:
            raise forms.ValidationError("Use whole numbers separated by commas, e.g. 12, 24, 36.") from None
        if any(v <= 0 for v in values):
            raise forms.ValidationError("Milestones are positive point totals.")
        return values

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in SETTINGS_GROUPS]


def settings_initial(organization: Organization) -> dict:
    from core.services import SETTINGS_FIELDS

    initial = {name: getattr(organization, name) for name in SETTINGS_FIELDS}
    initial["penalty_point_milestones"] = ", ".join(str(v) for v in organization.penalty_point_milestones)
    return initial


class ClosedDateForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Closed date")
    note = forms.CharField(max_length=120, required=False, help_text="Optional, e.g. Company retreat.")


class TwoFactorPolicyForm(forms.Form):
    require_two_factor = forms.BooleanField(
        required=False,
        label="Require two-factor authentication for every member",
        help_text="Members without an authenticator app or passkey can only set one up until they do.",
    )
