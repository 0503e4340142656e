"""Staff accounts and their scoped roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Site


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member. Holders never have an account: they use their card."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("National admin")
    AREA_COORDINATOR = "area_coordinator", _("Area coordinator")
    DISTRIBUTOR_STAFF = "distributor_staff", _("Distributor staff")
    VENUE_STAFF = "venue_staff", _("Venue staff")
    VENUE_ADMIN = "venue_admin", _("Venue admin")


class CoordinatorSide(models.TextChoices):
    CULTURE = "culture", _("Culture side")
    SOCIAL = "social", _("Social and health side")


class RoleAssignment(models.Model):
    """One role of one person in one scope. A person may hold several."""

    user = models.ForeignKey(User, related_name="roles", on_delete=models.CASCADE)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, null=True, blank=True)
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, null=True, blank=True)
    side = models.CharField(_("side"), max_length=20, choices=CoordinatorSide.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area", "site"], name="unique_role_in_scope"),
        ]

    def __str__(self) -> str:
        scope = self.site or self.area or _("nationwide")
        return f"{self.get_role_display()} · {scope}"

    def clean(self) -> None:
        if self.role == Role.NATIONAL_ADMIN and (self.area_id or self.site_id):
            raise ValidationError(_("A national admin has no area or site."))
        if self.role == Role.AREA_COORDINATOR and (not self.area_id or self.site_id):
            raise ValidationError(_("An area coordinator needs an area and no site."))
        if self.role == Role.AREA_COORDINATOR and not self.side:
            raise ValidationError(_("An area coordinator is on the culture side or the social side."))
        if self.role == Role.DISTRIBUTOR_STAFF and (self.site is None or not self.site.is_distributor):
            raise ValidationError(_("Distributor staff need a distributor site."))
        if self.role in (Role.VENUE_STAFF, Role.VENUE_ADMIN) and (self.site is None or not self.site.is_venue):
            raise ValidationError(_("Venue staff need a venue."))


class Passkey(models.Model):
    """A WebAuthn credential (passkey) a person uses as their second factor.

    Only the public key is stored; the private key never leaves the person's device.
    """

    user = models.ForeignKey(User, related_name="passkeys", on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=80)
    # The credential id, base64url without padding (as browsers send it as ``rawId``).
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")

    def __str__(self) -> str:
        return self.name
