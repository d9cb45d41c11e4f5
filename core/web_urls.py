from core.views import health, people, tokens

app_name = "core"

urlpatterns = [*people.urlpatterns, *tokens.urlpatterns, *health.urlpatterns]
