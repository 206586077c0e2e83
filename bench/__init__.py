"""Benchmarks of CHATS: a load generator that speaks the wire protocol (`make bench`)."""
