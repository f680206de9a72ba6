"""Signal used by repositories to ask the unit of work to start over."""


class RetryUnit(Exception):
    """Raised when a concurrent writer won a uniqueness race the retry will resolve (for example
    two requests with the same idempotency key): the unit of work rolls back and runs again."""
