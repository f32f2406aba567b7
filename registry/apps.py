from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Memorial registry")

    def ready(self):
        from registry import freshness, search_index

        search_index.connect_signals()
        freshness.connect_signals()


class RegistryAdminConfig(admin_apps.AdminConfig):
    """The admin, on the moderators' own site: a login that asks for a TOTP code from those
    who have set one up (registry/admin_site.py)."""

    default = False  # "registry" itself still means RegistryConfig
    default_site = "registry.admin_site.RegistryAdminSite"
