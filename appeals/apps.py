from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = "Appeals"

    def ready(self) -> None:
        from appeals import (
            signals,  # noqa: F401  (connects the evidence summary receivers)
            tasks,  # noqa: F401  (registers the tasks that services publish by name)
        )
