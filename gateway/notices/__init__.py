"""Citizen notices: a durable outbox, delivered at least once and idempotently by channel."""
