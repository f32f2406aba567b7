"""Who a request comes from, as far as limits need to know: an address, or a salted hash
of it. Behind a proxy, only the address the proxy itself wrote is believed."""

import hashlib
import hmac

from django.conf import settings


def client_address(request) -> str:
    """The client's address: the trusted proxy header when configured, else the socket's."""
    header = settings.REGISTRY_CLIENT_IP_HEADER
    if header and request.META.get(header):
        # The last address is the one the trusted proxy itself added; those before it
        # are whatever the client chose to send.
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def ip_hash(request) -> str:
    """The client's address as a salted hash: enough to spot abuse, useless to anyone else."""
    return hmac.new(settings.SECRET_KEY.encode(), client_address(request).encode(),
                    hashlib.sha256).hexdigest()


def rate_key(group, request) -> str:
    """django-ratelimit's ``key``: every limit per client counts by its address."""
    return client_address(request)
