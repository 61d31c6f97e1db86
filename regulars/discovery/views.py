"""Consumer pages: nearby search (list and map) and the store page."""

import contextlib
import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from regulars.core import maps
from regulars.core.errors import DomainError, NotFound
from regulars.core.forms import add_domain_error
from regulars.core.replicas import reads_from_replica
from regulars.core.templatetags.regulars import distance
from regulars.membership import selectors as card_selectors
from regulars.merchants import selectors as merchant_selectors
from regulars.notifications import selectors as message_selectors
from regulars.notifications import services as message_services
from regulars.promotions import selectors as coupon_selectors
from regulars.punchcards import selectors as punch_selectors
from regulars.reviews import selectors as review_selectors
from regulars.team import selectors as team_selectors

from . import selectors
from .forms import NearbyForm

DEFAULT_PLACE = "huangpu"


def _search_params(request):
    """The query string with defaults: 2 km, nearest first, and the default district when the
    consumer has neither shared a position nor chosen a district."""
    params = request.GET.copy()
    for name, default in (("radius_m", "2000"), ("sort", "distance")):
        if not params.get(name):
            params[name] = default
    if not params.get("place") and not (params.get("lat") and params.get("lng")):
        params["place"] = DEFAULT_PLACE
    return params


# Anonymous nearby pages are computed for the ~100 m cell of the position (3 decimals of a
# degree) and shared for a minute: the same cell, filters and language give the same page, so a
# busy street is served from the cache. Signed-in visitors get their own page (their position
# teaches their activity range, their header is theirs).
NEARBY_CELL_DECIMALS = 3
NEARBY_CACHE_SECONDS = 60


def _snapped(params):
    for name in ("lat", "lng"):
        with contextlib.suppress(KeyError, ValueError, TypeError):
            params[name] = (
                f"{round(float(params[name]), NEARBY_CELL_DECIMALS):.{NEARBY_CELL_DECIMALS}f}"
            )
    return params


def _nearby_cache_key(request, params) -> str:
    query = "&".join(f"{key}={params[key]}" for key in sorted(params))
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    # A shop's edit anywhere makes every shared page stale (the version changes at once).
    version = merchant_selectors.listings_version()
    return f"nearby-page:{version}:{request.LANGUAGE_CODE}:{digest}"


@reads_from_replica
def home(request):
    params = _search_params(request)
    if request.user.is_authenticated:
        body, status = _nearby_body(request, params)
        return render(request, "discovery/home.html", {"body": mark_safe(body)}, status=status)
    # The page speaks of the cell only: the form, the pager, the chips and the language switch.
    params = _snapped(params)
    request.GET = params
    request.META["QUERY_STRING"] = params.urlencode()
    shareable = not len(messages.get_messages(request))  # a one-time notice is not shared
    key = _nearby_cache_key(request, params)
    if shareable and (cached := cache.get(key)) is not None:
        return HttpResponse(cached)
    body, status = _nearby_body(request, params)
    response = render(request, "discovery/home.html", {"body": mark_safe(body)}, status=status)
    if shareable and status == 200:
        cache.set(key, response.content, NEARBY_CACHE_SECONDS)
    return response


def _nearby_body(request, params) -> tuple[str, int]:
    """The search form and its results (list and map) as HTML, with the answer's status."""
    form = NearbyForm(
        params,
        places=selectors.places(),
        categories=merchant_selectors.all_categories(),
    )
    page, origin, map_points = None, None, None
    if form.is_valid():
        data = form.cleaned_data
        if data["place"]:
            chosen = selectors.place(data["place"])
            origin = (chosen.lat, chosen.lng, chosen.name)
        else:
            origin = (data["lat"], data["lng"], None)
            # Where people search from teaches their activity range (sampled; signed-in only).
            message_services.record_search_position(
                consumer=request.user, lat=data["lat"], lng=data["lng"]
            )
        try:
            page = selectors.nearby_stores(
                selectors.NearbyQuery(
                    lat=origin[0],
                    lng=origin[1],
                    radius_m=data["radius_m"],
                    category=data["category"] or None,
                    q=data["q"],
                    open_now=data["open_now"],
                    sort=data["sort"],
                    offset=data["offset"] or 0,
                )
            )
        except DomainError as error:
            add_domain_error(form, error)
    if page is not None:
        map_points = {
            "origin": [origin[0], origin[1]],
            "stores": [
                {
                    "name": found.store.name,
                    "lat": found.store.lat,
                    "lng": found.store.lng,
                    "url": reverse("discovery:store", args=[found.store.pk]),
                    "distance": distance(found.distance_m),
                }
                for found in page.results
            ],
        }
    body = render_to_string(
        "discovery/nearby.html",
        {
            "form": form,
            "page": page,
            "origin": origin,
            "map_points": map_points,
            "top_categories": merchant_selectors.top_categories(),
        },
        request=request,
    )
    return body, 400 if form.errors else 200


@reads_from_replica(anonymous_only=True)
def store_page(request, store_id: int):
    try:
        store = merchant_selectors.public_store(store_id)
    except NotFound:
        raise Http404() from None
    shown = review_selectors.STORE_PAGE_REVIEWS
    reviews = review_selectors.store_reviews(store.pk, limit=shown + 1)  # one more: is there more?
    return render(
        request,
        "discovery/store.html",
        {
            "store": store,
            "reviews": reviews[:shown],
            "more_reviews": len(reviews) > shown,
            "report": True,
            "card_program": card_selectors.published_program(store.merchant_id),
            "held_card": card_selectors.held_card(request.user, store.merchant_id),
            "campaigns": coupon_selectors.claimable_campaigns(store),
            "punch_plans": punch_selectors.plans_on_sale(store),
            "team": team_selectors.public_team(store.pk),
            "following": message_selectors.follows_merchant(request.user, store.merchant_id),
            "navigate": maps.navigate_links(store.lat, store.lng, store.name),
        },
    )
