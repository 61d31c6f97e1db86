from celery import shared_task

from regulars.core import clock

from . import services


@shared_task(acks_late=True, long_work=True)
def run_import(import_id: int) -> None:
    services.run_import(import_id)


@shared_task(long_work=True)
def score_customers() -> None:
    """Nightly: RFM scores, segments and churn warnings for every merchant's customers, split
    into shards of merchants that the workers score side by side."""
    from django.conf import settings

    shards = settings.REGULARS_SCORING_SHARDS
    now = clock.now().isoformat()
    for shard in range(shards):
        score_shard.delay(shard, shards, now)


@shared_task(acks_late=True, long_work=True)
def score_shard(shard: int, shards: int, now: str) -> None:
    """One shard: the merchants whose id is `shard` modulo `shards` (scores are per merchant,
    so shards never overlap)."""
    import datetime as dt

    services.score_customers(shard=(shard, shards), now=dt.datetime.fromisoformat(now))


@shared_task
def resume_stalled_imports() -> None:
    """Every five minutes: restart imports whose worker died."""
    services.resume_stalled_imports()
