"""POST /v1/e/<provider>/webhook/<endpoint id>/: the provider's own receiver, found in the registry.
(A provider with routes of its own, like CTM's shared URL, serves them from its URLconf first.)"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ctm_integration.api.envelope import error_body
from integrations.providers.registry import PROVIDERS, UnknownProvider, provider_for

_VIEWS = {provider.slug: provider.receiver.as_view() for provider in PROVIDERS if provider.receiver}


@csrf_exempt  # providers post without a CSRF token; each receiver authenticates its deliveries itself
def provider_webhook(request: HttpRequest, provider: str, endpoint_id) -> HttpResponse:
    try:
        provider_for(provider)
        view = _VIEWS[provider]
    except (UnknownProvider, KeyError):
        return JsonResponse(error_body(status=404, message="No such provider.", code="UNKNOWN_PROVIDER"), status=404)
    return view(request, endpoint_id=endpoint_id)
