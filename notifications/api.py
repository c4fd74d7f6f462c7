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

from ctm_integration.api.envelope import EnvelopeSerializer, success
from ctm_integration.api.errors import NotFound
from ctm_integration.api.pagination import EnvelopePagination
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
    def post(self, request: Request, notification_id: int) -> Response:
        notification = Notification.objects.filter(recipient=request.user, pk=notification_id).first()
        if notification is None:
            raise NotFound("No such notification.", code="NOTIFICATION_NOT_FOUND")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return success(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = EnvelopeSerializer

    @extend_schema(request=None, summary="Mark every notification read")
    def post(self, request: Request) -> Response:
        count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return success({"marked_read": count})


class PreferencesSerializer(serializers.Serializer):
    """`{event: {channel: bool}}`; events and channels left out keep their current setting."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected {event: {channel: true|false}}."]})
        errors, changes = {}, []
        for event, channels in data.items():
            if event not in Event.values:
                errors[event] = [f"Unknown event; one of {', '.join(Event.values)}."]
                continue
            if not isinstance(channels, dict):
                errors[event] = ["Expected {channel: true|false}."]
                continue
            for channel, enabled in channels.items():
                if channel not in Channel.values or not isinstance(enabled, bool):
                    errors[event] = [f"Channels are {', '.join(Channel.values)}, each true or false."]
                    break
                changes.append((event, channel, enabled))
        if errors:
            raise serializers.ValidationError(errors)
        return changes


class PreferencesView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = EnvelopeSerializer

    @extend_schema(summary="Which events reach you on which channels")
    def get(self, request: Request) -> Response:
        return success(preference_matrix(user=request.user))

    @extend_schema(request=PreferencesSerializer, summary="Change some of them")
    def patch(self, request: Request) -> Response:
        payload = PreferencesSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        preferences_update(user=request.user, changes=payload.validated_data)
        return success(preference_matrix(user=request.user))

    put = patch


class DeviceSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512)
    platform = serializers.ChoiceField(choices=Device.Platform.choices, default=Device.Platform.ANDROID)


class DevicesView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = EnvelopeSerializer

    @extend_schema(request=DeviceSerializer, summary="Register a device for push notifications")
    def post(self, request: Request) -> Response:
        """201 whether the token is new, yours already, or moved from whoever used the device before:
        the answer never tells whether a token was known."""
        payload = DeviceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        device = device_register(user=request.user, **payload.validated_data)
        return success({"token": device.token, "platform": device.platform}, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeviceSerializer, summary="Remove a device")
    def delete(self, request: Request) -> Response:
        token = str(request.data.get("token") or request.query_params.get("token") or "")
        if not token:
            raise serializers.ValidationError({"token": ["This field is required."]})
        if not device_remove(user=request.user, token=token):
            raise NotFound("No such device.", code="DEVICE_NOT_FOUND")
        return success({"token": token, "removed": True})
