"""Commands (one message per user intent), their handlers, and the event-store port with its adapters."""
