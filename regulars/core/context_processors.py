from django.conf import settings


def site(request):
    return {
        "TILE_URL": settings.REGULARS_TILE_URL,
        "TILE_ATTRIBUTION": settings.REGULARS_TILE_ATTRIBUTION,
    }
