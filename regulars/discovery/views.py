"""Consumer pages: nearby search (list and map) and the store page."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from regulars.core.errors import DomainError, NotFound
from regulars.core.forms import add_domain_error
from regulars.core.templatetags.regulars import distance
from regulars.membership import selectors as card_selectors
from regulars.merchants import selectors as merchant_selectors
from regulars.notifications import selectors as message_selectors
from regulars.notifications import services as message_services
from regulars.promotions import selectors as coupon_selectors
from regulars.reviews import selectors as review_selectors

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


def home(request):
    form = NearbyForm(
        _search_params(request),
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
    return render(
        request,
        "discovery/home.html",
        {
            "form": form,
            "page": page,
            "origin": origin,
            "map_points": map_points,
            "top_categories": merchant_selectors.top_categories(),
        },
        status=400 if form.errors else 200,
    )


def store_page(request, store_id: int):
    try:
        store = merchant_selectors.public_store(store_id)
    except NotFound:
        raise Http404() from None
    return render(
        request,
        "discovery/store.html",
        {
            "store": store,
            "reviews": review_selectors.store_reviews(store.pk),
            "report": True,
            "card_program": card_selectors.published_program(store.merchant_id),
            "campaigns": coupon_selectors.claimable_campaigns(store),
            "following": message_selectors.follows_merchant(request.user, store.merchant_id),
        },
    )
