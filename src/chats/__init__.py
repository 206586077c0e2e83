"""CHATS: a self-hosted live-chat support system."""

__version__ = "0.1.0"
