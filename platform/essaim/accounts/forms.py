from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from .selectors import membership_for


class LoginForm(AuthenticationForm):
    """E-mail login. On a CAE's domain only that CAE's members get in."""

    username = forms.EmailField(label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autofocus": True}))
    error_messages = {
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
        "not_member": _("Vous n'êtes pas membre de cette coopérative."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        cooperative = getattr(self.request, "cooperative", None)
        if cooperative is not None and membership_for(user=user, cooperative=cooperative) is None:
            raise forms.ValidationError(self.error_messages["not_member"], code="not_member")


class CooperativePasswordResetForm(PasswordResetForm):
    """On a CAE's domain, only that CAE's members receive a reset link (and the page says the
    same thing whether or not the address exists)."""

    cooperative = None

    def get_users(self, email):
        users = super().get_users(email)
        if self.cooperative is None:
            return users
        return (u for u in users if membership_for(user=u, cooperative=self.cooperative) is not None)
