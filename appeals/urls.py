from appeals.views import (
    accounts,
    analytics,
    builder,
    deadlines,
    destinations,
    imports,
    notices,
    outcomes,
    saved_views,
    tickets,
    violations,
)

app_name = "appeals"

# Each views module owns the routes of its screens.
urlpatterns = [
    *violations.urlpatterns,
    *notices.urlpatterns,
    *saved_views.urlpatterns,
    *imports.urlpatterns,
    *accounts.urlpatterns,
    *builder.urlpatterns,
    *outcomes.urlpatterns,
    *deadlines.urlpatterns,
    *destinations.urlpatterns,
    *tickets.urlpatterns,
    *analytics.urlpatterns,
]
