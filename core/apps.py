from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Appeal Desk core"

    def ready(self) -> None:
        from core import lookups, receivers  # noqa: F401  registers field__any; connects the account receivers
