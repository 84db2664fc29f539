"""Outgoing email: SMTP when SMTP_URL is set, otherwise .eml files in the outbox folder.

Mail the platform promises (receipts, confirmations, review decisions) goes through the durable
outbox (participatory/outbox.py): written in the transaction that promises it, sent after the commit.
`send` delivers at once (embedded default) or, with Redis, queues the built message as a background
job (participatory/jobs.py) that a worker delivers, retrying while the relay is unavailable; kept for
callers whose mail need not survive a Redis crash. Without SMTP_URL, messages are .eml files in the
outbox folder (OUTBOX_DIR).
"""

from __future__ import annotations

import contextlib
import smtplib
import uuid
from dataclasses import asdict, dataclass, field
from email import headerregistry, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from rq import Retry, get_current_job

from participatory import jobs

# Seconds before each new attempt of a queued message: a relay down for about an hour and a half loses nothing.
RETRY_DELAYS = (30, 120, 600, 1800, 3600)
DELIVERY_TIMEOUT = 120  # seconds; the SMTP connection itself times out after 30


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    # Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058); values are one line.
    headers: dict[str, str] = field(default_factory=dict)


class _HeaderClasses(headerregistry.HeaderRegistry):
    """The standard header classes, each made once. The stock registry makes a new class for every header
    of every message, about a third of the time a receipt takes to build; the bytes are the same."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[type, type] = {}  # bounded: one per registered class, and the default one

    def __getitem__(self, name: str) -> type:
        kind = self.registry.get(name.lower(), self.default_class)
        made = self._made.get(kind)
        if made is None:
            made = self._made[kind] = super().__getitem__(name)
        return made


# policy.default with the header classes above: what every message is built and read with.
POLICY = policy.default.clone(header_factory=_HeaderClasses())


def message_headers(sender: str) -> tuple[str, str]:
    """A new message's Date and Message-ID."""
    return formatdate(localtime=False), make_msgid(domain=sender.split("@")[-1])


def build_message(mail: Mail, sender: str, headers: tuple[str, str] | None = None) -> EmailMessage:
    """The RFC 5322 message; `headers` (Date, Message-ID) when chosen earlier (see outbox.add_deferred)."""
    date, message_id = headers or message_headers(sender)
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = mail.to
    # A header is one line: text stored before titles were checked must not make every message fail.
    message["Subject"] = " ".join(mail.subject.split())
    message["Date"] = date
    message["Message-ID"] = message_id
    for name, value in mail.headers.items():
        message[name] = " ".join(value.split())
    message.set_content(mail.body)
    for item in mail.attachments:
        message.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename)
    return message


def outbox_dir() -> Path:
    return Path(current_app.config.get("OUTBOX_DIR") or Path(current_app.instance_path) / "outbox")


class MailNotSent(Exception):
    """A queued delivery failed. It names the error's class and SMTP code only: RQ logs it and keeps it in
    Redis, and SMTP errors often quote the recipient's address."""


def send(mail: Mail) -> None:
    """Deliver now (inline), or queue the message for a worker (RQ), with retries; the same for every caller."""
    jobs.enqueue(
        deliver, asdict(mail), retry=Retry(max=len(RETRY_DELAYS), interval=list(RETRY_DELAYS)), timeout=DELIVERY_TIMEOUT
    )


def deliver(content: dict) -> None:
    """The mail job: content is the Mail as a plain dict (to, subject, body, attachments)."""
    mail = Mail(
        to=content["to"],
        subject=content["subject"],
        body=content["body"],
        attachments=[Attachment(**item) for item in content["attachments"]],
        headers=dict(content.get("headers") or {}),
    )
    try:
        _write_or_relay(mail)
    except OSError as exc:  # smtplib's errors included
        if get_current_job() is None:  # inline: the caller handles the original error, as it always has
            raise
        code = getattr(exc, "smtp_code", None)
        raise MailNotSent(type(exc).__name__ + (f" {code}" if code else "")) from None


def _write_or_relay(mail: Mail) -> None:
    relay(build_message(mail, current_app.config["MAIL_FROM"]))


def relay(message: EmailMessage) -> None:
    """Hand one built message to the SMTP relay (SMTP_URL), or write it to the outbox folder without one."""
    with Relay() as connection:
        connection.send(message)


class Relay:
    """Messages handed to the SMTP relay (SMTP_URL) over one connection, opened at the first and closed at
    the end (a sender's batch: no TCP, TLS and login per message), or written to the outbox folder without
    a relay. After a failure the connection is dropped: the next message opens a new one, whatever state
    the server was left in."""

    def __init__(self) -> None:
        self.url = current_app.config.get("SMTP_URL", "")
        self.folder = None if self.url else outbox_dir()
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):  # accepted messages are the relay's now
                self._smtp.quit()
            self._drop()

    def send(self, message: EmailMessage) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
            return
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except BaseException:
            self._drop()
            raise

    def _connect(self) -> smtplib.SMTP:
        parts = urlsplit(self.url)  # smtp://user:password@host:port or smtps://…
        smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
        smtp = smtp_class(
            parts.hostname or "127.0.0.1", parts.port or (465 if parts.scheme == "smtps" else 25), timeout=30
        )
        try:
            if parts.scheme == "smtp+starttls":
                smtp.starttls()
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def read_outbox(folder: Path) -> list[EmailMessage]:
    """The messages in an outbox folder, oldest first (tests and the demo read them)."""
    from email.parser import BytesParser

    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [BytesParser(policy=POLICY).parsebytes(p.read_bytes()) for p in files]
