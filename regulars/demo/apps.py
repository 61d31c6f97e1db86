from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "regulars.demo"
    label = "demo"
    verbose_name = "Demo city"
