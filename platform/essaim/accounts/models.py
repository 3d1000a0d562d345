"""Users live in the public schema; a Membership grants one role in one CAE."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("network_role", User.NetworkRole.ADMIN)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class NetworkRole(models.TextChoices):
        NONE = "", _("Aucun")
        STAFF = "network_staff", _("Équipe du réseau")
        ADMIN = "network_admin", _("Administration du réseau")

    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom"), max_length=100, blank=True)
    network_role = models.CharField(
        _("rôle réseau"), max_length=20, choices=NetworkRole.choices, default=NetworkRole.NONE, blank=True
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    language = models.CharField(_("langue"), max_length=5, default="fr", choices=[("fr", "Français"), ("en", "English")])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_staff(self) -> bool:
        """Django admin (public domain only) is for network admins."""
        return self.is_active and self.network_role == self.NetworkRole.ADMIN

    def has_perm(self, perm, obj=None) -> bool:
        # The platform admin is the network admins' tool: they hold every admin permission.
        if self.is_staff:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_staff or super().has_module_perms(app_label)

    @property
    def is_network_staff(self) -> bool:
        return self.network_role in (self.NetworkRole.STAFF, self.NetworkRole.ADMIN)


class Membership(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", _("Direction")
        COUNSELLOR = "counsellor", _("Accompagnement")
        ACCOUNTS = "accounts", _("Comptabilité et paie")
        ENTREPRENEUR = "entrepreneur", _("Entrepreneur·e")

    STAFF_ROLES = (Role.DIRECTOR, Role.COUNSELLOR, Role.ACCOUNTS)
    FINANCE_ROLES = (Role.DIRECTOR, Role.ACCOUNTS)  # invoicing decisions, ledger, payroll

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    cooperative = models.ForeignKey(
        "cooperatives.Cooperative", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        constraints = [
            models.UniqueConstraint(fields=["user", "cooperative"], name="membership_one_per_cooperative")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.cooperative} · {self.get_role_display()}"

    @property
    def is_staff_role(self) -> bool:
        return self.role in self.STAFF_ROLES
