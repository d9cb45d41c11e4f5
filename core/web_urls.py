from core.views import health, members, organization, people, tokens

app_name = "core"

urlpatterns = [
    *people.urlpatterns,
    *members.urlpatterns,
    *organization.urlpatterns,
    *tokens.urlpatterns,
    *health.urlpatterns,
]
