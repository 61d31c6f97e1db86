from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "regulars.core"
    label = "core"

    def ready(self) -> None:
        from . import checks, observability  # noqa: F401  (checks registers itself)

        observability.connect_task_signals()
