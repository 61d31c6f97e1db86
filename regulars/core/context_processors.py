from django.conf import settings


def site(request):
    return {
        "MAP": settings.REGULARS_MAP,
    }
