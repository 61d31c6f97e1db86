"""The JSON API: /api/v1/..., OpenAPI at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

from regulars.accounts.api import my_data as my_data_router
from regulars.accounts.api import router as accounts_router
from regulars.analytics.api import console as analytics_console
from regulars.audit.api import console as audit_console
from regulars.core.api import install_error_handlers
from regulars.core.boundary import BoundedJsonParser
from regulars.crm.api import care as crm_care
from regulars.crm.api import console as crm_console
from regulars.discovery.api import router as discovery_router
from regulars.membership import api as membership_api
from regulars.merchants.api import router as merchants_router
from regulars.notifications.api import router as notifications_router
from regulars.orders import api as orders_api
from regulars.promotions import api as promotions_api
from regulars.reviews import api as reviews_api

api = NinjaAPI(
    title="Regulars API",
    version="1",
    description=(
        "Regulars for consumers, merchants and operators. Browsers use the session cookie "
        "(with CSRF); API clients send `Authorization: Bearer <token>` from `/api/v1/auth/token`. "
        'Errors are `{"errors": [{"field", "code", "message"}]}`.'
    ),
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
    parser=BoundedJsonParser(),
)
install_error_handlers(api)
api.add_router("/v1/auth/", accounts_router)
api.add_router("/v1/me/", my_data_router)
api.add_router("/v1/discovery/", discovery_router)
api.add_router("/v1/merchant/", merchants_router)
api.add_router("/v1/", orders_api.router)
api.add_router("/v1/", orders_api.callbacks)
api.add_router("/v1/merchant/", orders_api.console)
api.add_router("/v1/", reviews_api.router)
api.add_router("/v1/merchant/", reviews_api.console)
api.add_router("/v1/", membership_api.router)
api.add_router("/v1/merchant/", membership_api.console)
api.add_router("/v1/", promotions_api.router)
api.add_router("/v1/merchant/", promotions_api.console)
api.add_router("/v1/", notifications_router)
api.add_router("/v1/merchant/", crm_console)
api.add_router("/v1/", crm_care)
api.add_router("/v1/merchant/", analytics_console)
api.add_router("/v1/merchant/", audit_console)
