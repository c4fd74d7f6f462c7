"""Test-only URLs next to the real ones: plain Django and DRF views that reach the database or the
broker for real, so that outages can be provoked where the API has no such endpoint yet."""

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ctm_integration.urls import handler500  # noqa: F401 - the project's, used with these URLs too

CLOSED_PORT = {"port": 9}  # set by the test to a port nobody listens on


def plain_count_users(request):
    return JsonResponse({"users": get_user_model().objects.count()})


class EnqueueView(APIView):
    """Publishes a real Celery task to a broker at CLOSED_PORT."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        from ctm_integration.celery import app
        from notifications.tasks import notification_delivery_send

        with app.connection_for_write(f"redis://127.0.0.1:{CLOSED_PORT['port']}/0") as connection:
            notification_delivery_send.apply_async(args=[0], connection=connection)
        return Response({"queued": True})


class RedisPingView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        import redis

        redis.Redis(port=CLOSED_PORT["port"], socket_connect_timeout=1).ping()
        return Response({"pong": True})


class TouchDatabaseMiddleware:
    """A middleware that reads the database before any view runs (as session or auth middleware may)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        get_user_model().objects.exists()
        return self.get_response(request)


urlpatterns = [
    path("v1/test/plain-count-users", plain_count_users),
    path("v1/test/enqueue", EnqueueView.as_view()),
    path("v1/test/redis-ping", RedisPingView.as_view()),
    path("", include("ctm_integration.urls")),
]
