"""Outgoing e-mail through the configured SMTP server; the one place that sends mail."""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from email.message import EmailMessage

from flask import current_app

from bot.jobs import TransientError

log = logging.getLogger(__name__)


class MailNotSent(TransientError):
    """The SMTP server could not be reached or refused for now; retry later."""


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text mail; return False when no SMTP server is configured."""
    settings = current_app.config["SETTINGS"]
    if not settings.SMTP_HOST:
        if settings.is_production:
            log.warning("mail not sent: SMTP_HOST is not set")
        else:
            # The demo and development show the mail instead of sending it.
            print(f"--- mail to {to}: {subject}\n{body}\n---", file=sys.stderr)
        return False
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.MAIL_FROM, to, subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.SMTP_HOST, settings.SMTP_PORT, timeout=15) as smtp:
            if settings.SMTP_STARTTLS:
                smtp.starttls(context=ssl.create_default_context())
            if settings.SMTP_USERNAME:
                smtp.login(settings.SMTP_USERNAME, settings.SMTP_PASSWORD)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        log.warning("mail refused by the server for its recipient")
        return False
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(type(exc).__name__) from exc
    log.info("mail sent")
    return True
