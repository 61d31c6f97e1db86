from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors, services


@login_required
def inbox(request):
    messages = selectors.inbox(request.user)
    services.mark_read(user=request.user)
    return render(request, "notifications/inbox.html", {"inbox": messages})
