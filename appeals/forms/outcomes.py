"""Forms for outcomes, escalations and comments: validate and normalise only; rules live in services.outcomes."""

from __future__ import annotations

from django import forms

from appeals.models import Appeal, Escalation

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

OUTCOME_CHOICES = [
    (Appeal.Status.REVERSED, "Reversed: the action was cancelled"),
    (Appeal.Status.PARTIALLY_REVERSED, "Partially reversed: some of it was cleared"),
    (Appeal.Status.UPHELD, "Upheld: the action stands"),
    (Appeal.Status.WITHDRAWN, "Withdrawn by our team"),
]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=OUTCOME_CHOICES, widget=forms.RadioSelect)
    decided_at = forms.DateTimeField(
        label="Decision date",
        required=False,
        widget=DATETIME_WIDGET,
        help_text="When the platform answered; leave empty for now. Not used for a withdrawal.",
    )
    message = forms.CharField(
        label="The platform's message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Paste the decision as the platform wrote it.",
    )
    impacts_cleared = forms.MultipleChoiceField(
        label="What was cleared",
        choices=Appeal.Impact.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a partial reversal tick what was cleared. For a full reversal, leave empty to use the "
        "usual impacts of this violation type.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, appeal: Appeal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if appeal is not None and appeal.status == Appeal.Status.DRAFT:
            # A draft can only be withdrawn.
            self.fields["outcome"].choices = [(Appeal.Status.WITHDRAWN, "Withdrawn by our team")]


class EscalationForm(forms.Form):
    to_team = forms.ChoiceField(label="Escalated to", choices=[("", "Choose a team"), *Escalation.Team.choices])
    channel = forms.CharField(
        label="How",
        max_length=120,
        required=False,
        help_text="Email, chat, Partner Center ticket, call…",
    )
    reference = forms.CharField(label="Ticket or thread reference", max_length=120, required=False)
    escalated_at = forms.DateTimeField(
        label="When", required=False, widget=DATETIME_WIDGET, help_text="Leave empty for now."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class EscalationAnswerForm(forms.Form):
    result = forms.ChoiceField(
        label="Answer", choices=[("", "Choose the answer"), *[c for c in Escalation.Result.choices if c[0]]]
    )
    answered_at = forms.DateTimeField(
        label="Answered on", required=False, widget=DATETIME_WIDGET, help_text="Leave empty for now."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Mention a teammate with @ and their email (or the part before the @) to email them.",
    )
