"""The notifications API: in-app list and read marks, preferences, push devices."""

from django.db.models import F
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ctm_integration.api.envelope import success
from ctm_integration.api.errors import NotFound
from ctm_integration.api.fields import StrictBooleanField, StrictCharField
from ctm_integration.api.pagination import EnvelopePagination
from ctm_integration.api.schema import api_errors
from ctm_integration.api.serializers import ClosedSerializer
from notifications.messages import render
from notifications.models import Channel, Device, Event, Notification
from notifications.preferences import preference_matrix, preferences_update
from notifications.services import device_register, device_remove


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    account_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "account_id", "context", "read_at", "created_at"]

    def get_title(self, obj: Notification) -> str:
        return render(obj)[0]

    def get_body(self, obj: Notification) -> str:
        return render(obj)[1]


class NotificationListView(ListAPIView):
    """The caller's in-app notifications, unread first, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = EnvelopePagination

    def get_queryset(self):
        return (
            Notification.objects.filter(recipient=self.request.user, in_app=True)
            .select_related("account")
            .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
        )


class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark one notification read")
    @api_errors((404, "NOTIFICATION_NOT_FOUND"))
    def post(self, request: Request, notification_id: int) -> Response:
        notification = Notification.objects.filter(recipient=request.user, pk=notification_id).first()
        if notification is None:
            raise NotFound("No such notification.", code="NOTIFICATION_NOT_FOUND")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return success(NotificationSerializer(notification).data)


class MarkedReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField(help_text="How many were unread.")


class NotificationReadAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=MarkedReadSerializer, summary="Mark every notification read")
    def post(self, request: Request) -> Response:
        count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return success({"marked_read": count})


class ChannelSwitchesSerializer(ClosedSerializer):
    """`{channel: true|false}` for one event; channels left out keep their setting."""

    unknown_key_message = f"Unknown channel; one of {', '.join(Channel.values)}."

    def get_fields(self) -> dict:
        return {channel: StrictBooleanField(required=False) for channel in Channel.values}


class PreferencesSerializer(ClosedSerializer):
    """`{event: {channel: bool}}`; events and channels left out keep their current setting."""

    unknown_key_message = f"Unknown event; one of {', '.join(Event.values)}."

    def get_fields(self) -> dict:
        return {event: ChannelSwitchesSerializer(required=False) for event in Event.values}

    @property
    def changes(self) -> list[tuple[str, str, bool]]:
        return [
            (event, channel, enabled)
            for event, channels in self.validated_data.items()
            for channel, enabled in channels.items()
        ]


class ChannelMatrixSerializer(serializers.Serializer):
    def get_fields(self) -> dict:
        return {channel: serializers.BooleanField() for channel in Channel.values}


class PreferenceMatrixSerializer(serializers.Serializer):
    """Every event, and for each every channel: on or off."""

    def get_fields(self) -> dict:
        return {event: ChannelMatrixSerializer() for event in Event.values}


class PreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PreferenceMatrixSerializer, summary="Which events reach you on which channels")
    def get(self, request: Request) -> Response:
        return success(preference_matrix(user=request.user))

    @extend_schema(request=PreferencesSerializer, responses=PreferenceMatrixSerializer, summary="Change some of them")
    def patch(self, request: Request) -> Response:
        payload = PreferencesSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        preferences_update(user=request.user, changes=payload.changes)
        return success(preference_matrix(user=request.user))

    put = patch


class DeviceSerializer(serializers.Serializer):
    token = StrictCharField(max_length=512)
    platform = serializers.ChoiceField(choices=Device.Platform.choices, default=Device.Platform.ANDROID)


class DeviceRemoveSerializer(serializers.Serializer):
    token = StrictCharField(max_length=512)


class DeviceRemovedSerializer(serializers.Serializer):
    token = serializers.CharField()
    removed = serializers.BooleanField()


class DevicesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=DeviceSerializer,
        responses={201: DeviceSerializer},
        summary="Register a device for push notifications (201, whether the token was known or not)",
    )
    def post(self, request: Request) -> Response:
        """201 whether the token is new, yours already, or moved from whoever used the device before:
        the answer never tells whether a token was known."""
        payload = DeviceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        device = device_register(user=request.user, device_token=data["token"], platform=data["platform"])
        return success(DeviceSerializer(device).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[DeviceRemoveSerializer],
        request=None,
        responses={200: DeviceRemovedSerializer},
        summary="Remove a device (its token in the query, or in a JSON body)",
    )
    @api_errors((400, "MALFORMED_REQUEST"), (404, "DEVICE_NOT_FOUND"), (415, "UNSUPPORTED_MEDIA_TYPE"))
    def delete(self, request: Request) -> Response:
        payload = DeviceRemoveSerializer(data=request.data or request.query_params)
        payload.is_valid(raise_exception=True)
        device_token = payload.validated_data["token"]
        if not device_remove(user=request.user, device_token=device_token):
            raise NotFound("No such device.", code="DEVICE_NOT_FOUND")
        return success({"token": device_token, "removed": True})
