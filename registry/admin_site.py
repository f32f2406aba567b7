"""The moderators' admin site: a password, then a code from an authenticator app.

Two-factor login is optional per moderator: one who has a confirmed TOTP device (django-otp;
an administrator adds it under "TOTP devices" and the moderator scans its QR code) must type
the code it shows; one without logs in with the password alone, unless
``REGISTRY_REQUIRE_TWO_FACTOR`` is on, which admits no staff member without a device. A
session opened without the code (before the device was added) no longer reaches the admin.
Failed passwords are counted by django-axes (settings.py); wrong codes by the device's own
throttling, which makes each next try wait longer.
"""

from __future__ import annotations

import math

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db import transaction
from django.shortcuts import render
from django.utils.text import smart_split
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user


def requires_code(user) -> bool:
    """Whether this staff member may enter the admin only with a verified code."""
    return settings.REGISTRY_REQUIRE_TWO_FACTOR or any(devices_for_user(user))


class ModeratorLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"), required=False, max_length=16,
        help_text=_("Only if two-factor login has been set up for you."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                      "inputmode": "numeric"}))

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "token_required": _("Enter the code your authenticator app shows for this site."),
        "invalid_token": _("That code is wrong or has expired. Enter the code shown now."),
        "throttled": _("After a wrong code the next try must wait a little, longer after "
                       "each wrong one: wait a few seconds, then enter the code shown now."),
        "no_device": _("Two-factor login is required for the admin, and none is set up "
                       "for you yet. Ask an administrator to add an authenticator app."),
    }

    def clean(self):
        cleaned = super().clean()  # the password (counted by django-axes) and is_staff
        user = self.get_user()
        if user is not None:
            # django-otp's login signal keeps the device in the session as "verified".
            user.otp_device = self._verified_device(user, cleaned.get("otp_token", ""))
        return cleaned

    def _verified_device(self, user, token: str):
        with transaction.atomic():  # the devices are locked while their throttling counts
            devices = list(devices_for_user(user, for_verify=True))
            if not devices:
                if settings.REGISTRY_REQUIRE_TWO_FACTOR:
                    raise forms.ValidationError(self.error_messages["no_device"],
                                                code="no_device")
                return None
            if not token.strip():
                raise forms.ValidationError(self.error_messages["token_required"],
                                            code="token_required")
            waiting = False
            for device in devices:
                allowed, _detail = device.verify_is_allowed()
                waiting = waiting or not allowed
                if allowed and device.verify_token(token.strip()):
                    return device
        if waiting:
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        raise forms.ValidationError(self.error_messages["invalid_token"],
                                    code="invalid_token")


class BoundedSearch:
    """The admin's search reads only the first words of a search: each word is matched
    against every search field, and a pasted paragraph of thousands of words makes a query
    too deep for the database to plan (a server error instead of results)."""

    max_search_words = 10

    def get_search_results(self, request, queryset, search_term):
        first_words = list(smart_split(search_term))[: self.max_search_words]
        return super().get_search_results(request, queryset, " ".join(first_words))


class RegistryAdminSite(admin.AdminSite):
    login_form = ModeratorLoginForm
    login_template = "admin/registry_login.html"

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model's admin, ours and the libraries', with the bounded search."""
        admin_class = admin_class or admin.ModelAdmin
        bounded = type(admin_class.__name__, (BoundedSearch, admin_class),
                       {"__module__": admin_class.__module__})
        super().register(model_or_iterable, bounded, **options)

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        user = request.user
        verified = getattr(user, "is_verified", lambda: False)()
        return verified or not requires_code(user)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once an address or a user name has failed too often."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(request, "admin/locked_out.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}, status=429)
