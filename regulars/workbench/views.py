"""The console's home: the workbench of today."""

from django.shortcuts import render

from regulars.merchants.web import console_view

from . import selectors


@console_view()
def today(request, actor):
    return render(request, "workbench/today.html", {"actor": actor, **selectors.today(actor)})
