from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "payproc.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from .tracing import configure_tracing

        configure_tracing()  # before the WSGI handler loads its middleware, so Django is instrumented
