from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from bench.bare.models import RawDelivery


@csrf_exempt
def store(request: HttpRequest) -> JsonResponse:
    """The floor for "verify, store, enqueue": one INSERT of the raw body, a JSON answer."""
    row = RawDelivery.objects.create(body=request.body)
    return JsonResponse({"success": True, "id": row.pk})


urlpatterns = [path("store", store)]
