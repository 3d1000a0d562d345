from django.db.models import Count
from django.shortcuts import render
from django.utils.translation import gettext as _

from essaim.accounts.selectors import user_cooperatives
from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.regions import REGION_NAMES

from .charts import bar_chart


def home(request):
    """The network's public home. Network staff see the CAEs by region and kind (registry data,
    never a row about a person); a member sees links to their CAEs."""
    context = {"total": Cooperative.objects.count()}
    user = request.user
    if user.is_authenticated and user.is_network_staff:
        by_region = list(Cooperative.objects.values_list("region").annotate(n=Count("id")).order_by("-n", "region"))
        by_kind = dict(Cooperative.objects.values_list("kind").annotate(n=Count("id")))
        context["by_region"] = [(REGION_NAMES.get(code, code), n) for code, n in by_region]
        context["by_kind"] = [(label, by_kind.get(value, 0)) for value, label in Cooperative.Kind.choices]
        context["region_chart"] = bar_chart(context["by_region"], title=_("CAE par région"))
        context["kind_chart"] = bar_chart(context["by_kind"], title=_("CAE par type"))
    elif user.is_authenticated:
        context["my_cooperatives"] = [(c, c.get_primary_domain()) for c in user_cooperatives(user=user)]
    return render(request, "portal/home.html", context)
