"""Random sequences of earn, spend, top-up, refund, void and expiry never break the ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.core.money import to_money
from regulars.membership import selectors, services
from regulars.membership.models import Card, ValueEntry

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("800"), places=2)


@pytest.fixture
def ledger_machine(program):
    people = iter(range(10**6))
    # Idempotency keys unique across examples (which share the database): id(self) is not, as
    # a finished machine's id is reused by the next one.
    keys = iter(range(10**9))

    class LedgerMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            # A fresh card for every example: examples share the test's database.
            from tests.conftest import make_person

            person = make_person(f"1360000{next(people):04d}")
            self.card = services.apply_for_card(consumer=person, merchant_id=program.merchant_id)
            self.counter = 0
            self.clock = clock.now()
            self.expected_value = Decimal("0")

        def key(self):
            self.counter += 1
            return f"k{next(keys)}"

        @rule(amount=amounts)
        def top_up(self, amount):
            entry = services.top_up(card_id=self.card.pk, amount=amount, idempotency_key=self.key())
            self.expected_value += entry.principal_delta + entry.bonus_delta

        @rule(amount=amounts)
        def spend(self, amount):
            try:
                services.spend_value(
                    card_id=self.card.pk, amount=amount, idempotency_key=self.key()
                )
                self.expected_value -= amount
            except DomainError as refusal:
                assert refusal.code == "insufficient_balance"

        @rule(amount=amounts)
        def refund(self, amount):
            try:
                refund = services.refund_value(
                    card_id=self.card.pk, amount=amount, idempotency_key=self.key()
                )
                # The paid-in money, and at most the bonus it can have brought (10 % here).
                assert refund.principal_delta == -amount
                assert 0 <= -refund.bonus_delta <= to_money(amount * Decimal("0.1"))
                self.expected_value += refund.principal_delta + refund.bonus_delta
            except DomainError as refusal:
                assert refusal.code == "insufficient_principal"

        @rule(amount=amounts)
        def earn(self, amount):
            services.record_purchase(
                card_id=self.card.pk, amount=amount, idempotency_key=self.key(), now=self.clock
            )

        @rule(points=st.integers(min_value=1, max_value=2000))
        def spend_points(self, points):
            try:
                services.spend_points(
                    card_id=self.card.pk, points=points, idempotency_key=self.key()
                )
            except DomainError as refusal:
                assert refusal.code == "insufficient_points"

        @rule(pick=st.integers(min_value=0, max_value=1000))
        def void_something(self, pick):
            entries = list(
                ValueEntry.objects.filter(card_id=self.card.pk).exclude(kind="void").order_by("id")
            )
            if not entries:
                return
            entry = entries[pick % len(entries)]
            try:
                void = services.void_value(entry_id=entry.pk, idempotency_key=self.key())
                self.expected_value += void.principal_delta + void.bonus_delta
            except DomainError as refusal:
                assert refusal.code in ("already_voided", "insufficient_balance")

        @rule(days=st.integers(min_value=1, max_value=900))
        def time_passes_and_points_expire(self, days):
            self.clock += dt.timedelta(days=days)
            services.expire_points(card_id=self.card.pk, now=self.clock)

        @invariant()
        def balances_equal_the_ledgers_and_never_go_negative(self):
            fresh = Card.objects.get(pk=self.card.pk)
            assert selectors.ledger_mismatches([self.card.pk]) == []
            assert fresh.points >= 0 and fresh.principal >= 0 and fresh.bonus >= 0
            assert fresh.balance == self.expected_value

    return LedgerMachine


def test_ledger_state_machine(ledger_machine):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        ledger_machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
