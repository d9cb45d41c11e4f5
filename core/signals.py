"""Signals core sends so the apps built on it can follow changes without core importing them."""

from django.dispatch import Signal

# Sent inside the writing transaction when an organization's business calendar changed.
# Arguments: organization (saved, with the new settings) and days: None when every day may count differently
# (timezone, working days, holiday country or subdivision), else the dates that were closed or reopened.
business_calendar_changed = Signal()

# Sent inside the writing transaction when settings that count stored deadlines changed (review days, windows,
# rounds, SLA hours, the calendar). Arguments: organization (saved) and changes: {field: (old, new)}.
deadline_settings_changed = Signal()

# Sent inside the writing transaction when an owner changed a market's platform clock for the organization
# (core.rules.market_clock_update). Arguments: organization (saved), market (the code).
market_clock_changed = Signal()
