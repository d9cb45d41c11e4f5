from core.views import health, members, organization, people, security, sessions, tokens

app_name = "core"

urlpatterns = [
    *people.urlpatterns,
    *members.urlpatterns,
    *organization.urlpatterns,
    *tokens.urlpatterns,
    *security.urlpatterns,
    *sessions.urlpatterns,
    *health.urlpatterns,
]
