"""The setup projects' entry in the network domain's navigation (registered with essaim.ui)."""

from django.utils.translation import gettext_lazy as _

from .models import ProjectMember


def public_entries(user) -> list[tuple[str, object, None]]:
    """Network staff follow every project (« Essaimage »); a founder or partner their own."""
    if user.is_network_staff:
        return [("onboarding:pipeline", _("Essaimage"), None)]
    if ProjectMember.objects.filter(user=user).exists():
        return [("onboarding:mine", _("Mon projet de CAE"), None)]
    return []
