from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payproc.http.fields import StrictCharField


@extend_schema_field({"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}})
class LabelsField(serializers.DictField):
    """An alert's labels: at least one (the rule is matched on them), all strings."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(child=StrictCharField(allow_blank=True), allow_empty=False, **kwargs)


class AlertmanagerAlert(serializers.Serializer):
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    labels = LabelsField()
    annotations = serializers.DictField(child=StrictCharField(allow_blank=True), required=False, default=dict)
    startsAt = StrictCharField(required=False, allow_blank=True)
    endsAt = StrictCharField(required=False, allow_blank=True)
    generatorURL = StrictCharField(required=False, allow_blank=True)
    fingerprint = StrictCharField(required=False, allow_blank=True)


class AlertmanagerWebhook(serializers.Serializer):
    """Alertmanager's webhook payload (version 4); only the fields payproc uses are checked."""

    version = StrictCharField(required=False)
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    alerts = serializers.ListField(child=AlertmanagerAlert(), min_length=1)
