from django.apps import AppConfig


class EventbusConfig(AppConfig):
    name = "eventbus"
    verbose_name = "Event bus"

    def ready(self) -> None:
        """Wire the in-process path: the outbox and the adapters import neither the relay nor the bridge."""
        from . import adapters, bridge, outbox, relay

        adapters.hand_in_process_events_to(bridge.hand_off)
        # With OUTBOX_INLINE_RELAY (the embedded default) events are relayed right after their commit.
        outbox.on_inline_relay(relay.relay_inline)
