from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = "Outbound deliveries"

    def ready(self) -> None:
        # The engine queues its tasks by name; registered here, an eager app (`make run`, tests) runs them
        # in-process instead of sending them to a broker nobody reads.
        from . import tasks  # noqa: F401
