from django.db import transaction

from tenants.audit.services import audit_record

from .models import Site


@transaction.atomic
def site_create(*, name: str, kind: str, city: str, department: str, address: str = "", postal_code: str = "",
                acting_user=None) -> Site:
    site = Site(name=name, kind=kind, city=city, department=department, address=address, postal_code=postal_code)
    site.full_clean()
    site.save()
    audit_record(action="site_create", target=f"site:{site.pk}", acting_user=acting_user)
    return site
