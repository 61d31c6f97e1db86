"""Start-up checks of the SMS settings: a typo there shows up as codes nobody receives."""

from django.conf import settings
from django.core import checks


@checks.register()
def sms_settings(app_configs=None, **kwargs):
    from .sms import SMS_BACKENDS, TEMPLATE_PROVIDERS, parse_templates

    backend = settings.REGULARS_SMS_BACKEND
    if backend not in SMS_BACKENDS:
        return [
            checks.Error(
                f"REGULARS_SMS_BACKEND={backend!r}: choose one of {', '.join(SMS_BACKENDS)}",
                id="notifications.E001",
            )
        ]
    problems = []
    from .wechat_notices import parse_templates as wechat_templates

    try:
        wechat_templates(settings.REGULARS_WECHAT_TEMPLATES)
    except ValueError as error:
        problems.append(checks.Error(str(error), id="notifications.E005"))
    try:
        templates = parse_templates(settings.REGULARS_SMS_TEMPLATES)
    except ValueError as error:
        return [checks.Error(str(error), id="notifications.E002")]
    if backend in TEMPLATE_PROVIDERS:
        needed = {
            "REGULARS_SMS_KEY_ID": settings.REGULARS_SMS_KEY_ID,
            "REGULARS_SMS_KEY_SECRET": settings.REGULARS_SMS_KEY_SECRET,
            "REGULARS_SMS_SIGN_NAME": settings.REGULARS_SMS_SIGN_NAME,
        }
        if backend == "tencent":
            needed["REGULARS_SMS_APP_ID"] = settings.REGULARS_SMS_APP_ID
        problems += [
            checks.Error(f"REGULARS_SMS_BACKEND={backend} needs {name}", id="notifications.E003")
            for name, value in needed.items()
            if not value
        ]
        if "code" not in templates:
            problems.append(
                checks.Error(
                    f"REGULARS_SMS_BACKEND={backend}: register a template for the phone codes "
                    '(REGULARS_SMS_TEMPLATES {"code": {"template": …, "params": ["code"]}})',
                    id="notifications.E004",
                )
            )
    return problems
