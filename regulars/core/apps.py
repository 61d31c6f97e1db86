from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "regulars.core"
    label = "core"

    def ready(self) -> None:
        from . import observability

        observability.connect_task_signals()
