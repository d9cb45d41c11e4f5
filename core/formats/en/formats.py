# One way to write dates across the app (FORMAT_MODULE_PATH): `{{ value|date }}`, a date printed without a
# filter, and core.dates for text built in Python (flash messages, service errors) all read "Dec 3, 2026".
# Only the display formats are set; input formats stay Django's English ones.
DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y H:i"
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y H:i"
MONTH_DAY_FORMAT = "M j"
YEAR_MONTH_FORMAT = "M Y"
