from django.urls import path

from outbound.views import (
    CallLinkView,
    OutboundDeliveriesView,
    OutboundDeliveryRerunView,
    OutboundWebhookReactivateView,
    OutboundWebhooksView,
    OutboundWebhookTestView,
    OutboundWebhookView,
)

urlpatterns = [
    path("outbound-webhooks", OutboundWebhooksView.as_view(), name="outbound-webhooks"),
    path("outbound-webhooks/<uuid:outbound_webhook_id>", OutboundWebhookView.as_view(), name="outbound-webhook"),
    path(
        "outbound-webhooks/<uuid:outbound_webhook_id>/test",
        OutboundWebhookTestView.as_view(),
        name="outbound-webhook-test",
    ),
    path(
        "outbound-webhooks/<uuid:outbound_webhook_id>/deliveries",
        OutboundDeliveriesView.as_view(),
        name="outbound-webhook-deliveries",
    ),
    path(
        "outbound-webhooks/<uuid:outbound_webhook_id>/deliveries/<int:delivery_id>/rerun",
        OutboundDeliveryRerunView.as_view(),
        name="outbound-delivery-rerun",
    ),
    path(
        "outbound-webhooks/<uuid:outbound_webhook_id>/reactivate",
        OutboundWebhookReactivateView.as_view(),
        name="outbound-webhook-reactivate",
    ),
    path("call-links/<str:link_token>", CallLinkView.as_view(), name="outbound-call-link"),
]
