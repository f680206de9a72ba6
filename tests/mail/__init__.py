"""Mail: SMTP and outbox mailers, message templates."""
