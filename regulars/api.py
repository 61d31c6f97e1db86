"""The JSON API: /api/v1/..., OpenAPI at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

from regulars.accounts.api import my_data as my_data_router
from regulars.accounts.api import router as accounts_router
from regulars.analytics.api import console as analytics_console
from regulars.audit.api import console as audit_console
from regulars.core.api import install_error_handlers
from regulars.core.boundary import BoundedJsonParser
from regulars.counter import api as counter_api
from regulars.customers import api as customers_api
from regulars.discovery.api import router as discovery_router
from regulars.membership import api as membership_api
from regulars.merchants.api import router as merchants_router
from regulars.notifications.api import receipts as notifications_receipts
from regulars.notifications.api import router as notifications_router
from regulars.orders import api as orders_api
from regulars.outreach import api as outreach_api
from regulars.promotions import api as promotions_api
from regulars.punchcards import api as punchcards_api
from regulars.relationships import api as relationships_api
from regulars.reviews import api as reviews_api
from regulars.servicedesk import api as servicedesk_api
from regulars.team import api as team_api
from regulars.workbench import api as workbench_api

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
api.add_router("/v1/discovery/", team_api.public)
api.add_router("/v1/merchant/", team_api.console)
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
api.add_router("/v1/", notifications_receipts)
api.add_router("/v1/merchant/", counter_api.console)
api.add_router("/v1/", counter_api.router)
api.add_router("/v1/merchant/", customers_api.console)
api.add_router("/v1/merchant/", relationships_api.console)
api.add_router("/v1/", relationships_api.care)
api.add_router("/v1/merchant/", outreach_api.console)
api.add_router("/v1/merchant/", servicedesk_api.console)
api.add_router("/v1/merchant/", workbench_api.console)
api.add_router("/v1/merchant/", punchcards_api.console)
api.add_router("/v1/", punchcards_api.router)
api.add_router("/v1/", servicedesk_api.care)
api.add_router("/v1/merchant/", analytics_console)
api.add_router("/v1/merchant/", audit_console)
