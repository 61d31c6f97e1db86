from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "regulars.core"
    label = "core"
