from django.apps import AppConfig


class CrmConfig(AppConfig):
    """The history of the customer tables from before they were split into `customers`,
    `relationships`, `outreach` and `servicedesk` (decision 0014). It holds no models: its
    migrations create the `crm_*` tables those apps now own, so a fresh database and one from
    before the split reach the same schema."""

    name = "regulars.crm"
    label = "crm"
    verbose_name = "crm (history)"
