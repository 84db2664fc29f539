"""Outgoing email: SMTP when SMTP_URL is set, otherwise .eml files in the outbox folder.

Messages are written after the database commit by the caller; the outbox keeps
every message as a file so nothing acknowledged to a user is silently lost.
"""
from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app


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


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.split("@")[-1])
    message.set_content(mail.body)
    for item in mail.attachments:
        message.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename)
    return message


def outbox_dir() -> Path:
    return Path(current_app.config.get("OUTBOX_DIR") or Path(current_app.instance_path) / "outbox")


def send(mail: Mail) -> None:
    message = build_message(mail, current_app.config["MAIL_FROM"])
    url = current_app.config.get("SMTP_URL", "")
    if not url:
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
        return
    parts = urlsplit(url)  # smtp://user:password@host:port or smtps://…
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_class(parts.hostname or "127.0.0.1", parts.port or (465 if parts.scheme == "smtps" else 25), timeout=30) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)


def read_outbox(folder: Path) -> list[EmailMessage]:
    """The messages in an outbox folder, oldest first (tests and the demo read them)."""
    from email import policy
    from email.parser import BytesParser

    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in files]
