"""Prometheus metrics of one server process (P5)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """The counters and gauges of one app (its own registry, so tests can build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # Labelled by route template, never the raw path (chats.access).
        self.http_requests = Counter(
            "chats_http_requests", "HTTP requests", ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "chats_http_request_seconds", "Time to answer an HTTP request",
            ["method", "route", "status"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
            registry=self.registry,
        )
        self.sockets = Gauge(
            "chats_websockets_open", "Open WebSockets", ["kind"], registry=self.registry
        )
        self.messages = Counter(
            "chats_messages_stored", "Messages committed", ["author"], registry=self.registry
        )
        self.frames_in = Counter(
            "chats_frames_received", "WebSocket frames received", ["kind"], registry=self.registry
        )
        self.errors = Counter(
            "chats_frame_errors", "Refused frames by code", ["code"], registry=self.registry
        )
        self.send_latency = Histogram(
            "chats_send_seconds",
            "Time from a send frame to its ack",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.mail = Counter("chats_mail", "Mails by outcome", ["outcome"], registry=self.registry)
