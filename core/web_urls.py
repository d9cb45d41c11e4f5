from core.views import people

app_name = "core"

urlpatterns = [*people.urlpatterns]
