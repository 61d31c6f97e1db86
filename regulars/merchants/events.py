from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from .models import Category
from .selectors import forget_category_cache


@receiver([post_save, post_delete], sender=Category)
def category_changed(**kwargs):
    forget_category_cache()


# Sent before a staff member is deactivated, with `merchant_id` and `user_id`. A receiver that
# raises a DomainError refuses the departure (nothing is changed).
staff_departing = Signal()

# Someone became staff of a merchant (its owner on opening it, or by accepting an invitation):
# staff_member=StaffMember (the staff role row).
staff_joined = Signal()

# A staff member's role or access changed: staff_member=StaffMember (as it is now),
# role_before=str, active_before=bool.
staff_role_changed = Signal()

# Someone was invited to join the staff: invitation=StaffInvitation.
staff_invited = Signal()
