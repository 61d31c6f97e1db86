"""What the accounts app tells others (the audit log listens)."""

from django.dispatch import Signal

# user=User, after their data was downloaded.
personal_data_exported = Signal()
# user_id, after their account was anonymised.
personal_data_erased = Signal()
