"""Destinations: Slack, Microsoft Teams and signed webhooks per organization.

events (what happened, as the JSON every destination is built from; rows made in the event's transaction),
http (the guarded POST), slack / teams / webhook (one module per channel: body and headers), deliver (claim,
send, log, retry, switch off), manage (owners' and managers' changes). Modules are imported where used, so
that recording an event never imports the delivery machinery.
"""
