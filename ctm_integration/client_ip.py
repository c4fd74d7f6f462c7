"""Who is calling: the client's IP address, as the deployment's trusted proxy reports it.

By default the socket's peer (REMOTE_ADDR): a header can be forged by anyone. Behind proxies,
`TRUSTED_PROXY_COUNT` says how many append to `CLIENT_IP_HEADER` (X-Forwarded-For by default); the
client is the address that many entries from its right (anything left of it the client may forge).
Used by the login lockout and by the webhook receivers' rejection budget alike.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in request.headers.get(settings.CLIENT_IP_HEADER, "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
