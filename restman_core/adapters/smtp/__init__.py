"""Mail through an SMTP relay (aiosmtplib)."""

from restman_core.adapters.smtp.mailer import (
    SmtpMailer,
    SmtpSecurity,
    build_email,
    security_for_port,
)

__all__ = ["SmtpMailer", "SmtpSecurity", "build_email", "security_for_port"]
