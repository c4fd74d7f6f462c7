from django.urls import path

from notifications.api import (
    DevicesView,
    NotificationListView,
    NotificationReadAllView,
    NotificationReadView,
    PreferencesView,
)

urlpatterns = [
    path("notifications", NotificationListView.as_view(), name="notifications"),
    path("notifications/read-all", NotificationReadAllView.as_view(), name="notifications-read-all"),
    path("notifications/preferences", PreferencesView.as_view(), name="notification-preferences"),
    path("notifications/devices", DevicesView.as_view(), name="notification-devices"),
    path("notifications/<int:notification_id>/read", NotificationReadView.as_view(), name="notification-read"),
]
