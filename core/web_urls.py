from core.views import health, markets, members, organization, people, security, sessions, tokens

app_name = "core"

urlpatterns = [
    *people.urlpatterns,
    *members.urlpatterns,
    *organization.urlpatterns,
    *markets.urlpatterns,
    *tokens.urlpatterns,
    *security.urlpatterns,
    *sessions.urlpatterns,
    *health.urlpatterns,
]
