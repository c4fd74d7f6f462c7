from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from integrations.models import WebhookDelivery


@csrf_exempt
def bare_insert(request):
    """The floor for "verify, store, enqueue": read the body, insert one row, answer JSON."""
    row = WebhookDelivery.objects.create(path=request.path, headers={}, body=request.body, status="invalid")
    return JsonResponse({"success": True, "id": row.pk})


urlpatterns = [
    path("bench/bare-insert", bare_insert),
    path("", include("ctm_integration.urls")),
]
