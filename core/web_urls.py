from core.views import health, members, organization, people, security, tokens

app_name = "core"

urlpatterns = [
    *people.urlpatterns,
    *members.urlpatterns,
    *organization.urlpatterns,
    *tokens.urlpatterns,
    *security.urlpatterns,
    *health.urlpatterns,
]
