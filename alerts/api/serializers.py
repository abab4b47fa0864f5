from rest_framework import serializers


class AlertmanagerAlert(serializers.Serializer):
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True), allow_empty=False)
    annotations = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    startsAt = serializers.CharField(required=False, allow_blank=True)
    endsAt = serializers.CharField(required=False, allow_blank=True)
    generatorURL = serializers.CharField(required=False, allow_blank=True)
    fingerprint = serializers.CharField(required=False, allow_blank=True)


class AlertmanagerWebhook(serializers.Serializer):
    """Alertmanager's webhook payload (version 4); only the fields payproc uses are checked."""

    version = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    alerts = AlertmanagerAlert(many=True, allow_empty=False)
