"""The ceiling `make bench` compares the web role with: one DRF POST with a serializer and no database,
served by the same gunicorn configuration and loaded by the same wrk client in the same run."""

from django.conf import settings
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    MIDDLEWARE=[],
    REST_FRAMEWORK={
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
    },
)

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class PaymentIn(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=3)
    currency = serializers.CharField(max_length=3)
    card_number = serializers.CharField(max_length=23)
    expiry_month = serializers.IntegerField(min_value=1, max_value=12)
    expiry_year = serializers.IntegerField()
    cvv = serializers.CharField(max_length=4)


class Create(APIView):
    def post(self, request: Request) -> Response:
        data = PaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        shown = {k: str(v) for k, v in data.validated_data.items() if k not in {"card_number", "cvv"}}
        return Response({"id": "x", "status": "pending", **shown}, status=202)


urlpatterns = [path("transaction", Create.as_view())]
application = get_wsgi_application()
