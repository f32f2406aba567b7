"""Values every page needs."""

from django.core.cache import cache

from registry.models import Person


def registry(request):
    """Whether the registry holds demo records, so every page can say so plainly."""
    has_demo = cache.get("registry:has_demo")
    if has_demo is None:
        has_demo = Person.objects.filter(is_demo=True).exists()
        cache.set("registry:has_demo", has_demo, 60)
    return {"registry_has_demo_data": has_demo}
