"""The CAE's home page (every member; staff see the CAE's figures and their own to-dos)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from essaim.ui.access import member_required

from .selectors import staff_home


@login_required
@member_required()
def home(request):
    membership = request.membership
    context = {"is_staff": membership.is_staff_role}
    if membership.is_staff_role:
        context.update(vars(staff_home(cooperative=request.cooperative, membership=membership)))
    return render(request, "ui/cae_home.html", context)
