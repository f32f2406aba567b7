from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Memorial registry")

    def ready(self):
        from registry.search_index import connect_signals

        connect_signals()
