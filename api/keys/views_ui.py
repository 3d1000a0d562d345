"""The directors' page for API keys: list, create (the secret is shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essaim.accounts.models import Membership
from essaim.core.errors import AppError
from essaim.ui.access import member_required

from .models import ApiKey, Scope
from .selectors import api_key_get_for
from .services import apikey_create, apikey_revoke

director_required = member_required(Membership.Role.DIRECTOR)


@login_required
@director_required
def apikey_list(request):
    keys = ApiKey.objects.all()
    q = request.GET.get("q", "").strip()
    state = request.GET.get("etat", "")
    if q:
        keys = keys.filter(name__icontains=q)
    if state == "actives":
        keys = keys.filter(revoked_at__isnull=True)
    elif state == "revoquees":
        keys = keys.filter(revoked_at__isnull=False)
    page = Paginator(keys.order_by("-created_at"), 25).get_page(request.GET.get("page"))
    context = {"page_obj": page, "q": q, "state": state, "scopes": Scope.choices, "error": None,
               "querystring_base": f"q={q}&etat={state}&", "new_secret": request.session.pop("new_apikey", None)}
    if request.method == "POST":
        try:
            _key, secret = apikey_create(name=request.POST.get("name", ""), scopes=request.POST.getlist("scopes"),
                                         acting_user=request.user)
        except AppError as exc:
            context["error"] = exc
            context["form_name"] = request.POST.get("name", "")
            return render(request, "apikeys/list.html", context, status=400)
        request.session["new_apikey"] = secret  # shown once, on the next page, then forgotten
        return redirect("apikeys")
    return render(request, "apikeys/list.html", context)


@login_required
@director_required
@require_POST
def apikey_revoke_view(request, pk: int):
    key = api_key_get_for(actor=request.membership, pk=pk)
    apikey_revoke(key=key, acting_user=request.user)
    messages.success(request, _("La clé « %(name)s » est révoquée.") % {"name": key.name})
    return redirect("apikeys")
