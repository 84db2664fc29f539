"""Email goes to the outbox by default and through a real SMTP server when configured."""

from __future__ import annotations

import random

import pytest

from participatory.mail import Attachment, Mail, read_outbox, send
from tests.servers import free_port as _free_port


def test_outbox_keeps_each_message_as_eml(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    with app.app_context():
        send(
            Mail(to="ana@example.test", subject="Bonjour", body="Corps", attachments=[Attachment("r.pdf", b"%PDF-1.4")])
        )
    [message] = read_outbox(tmp_path)
    assert message["To"] == "ana@example.test" and message["Subject"] == "Bonjour"
    assert [part.get_filename() for part in message.iter_attachments()] == ["r.pdf"]


def test_smtp_delivery_to_a_local_server(app, monkeypatch):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Sink

    received = []

    class Recorder(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = aiosmtpd.Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
        with app.app_context():
            send(Mail(to="ana@example.test", subject="Code", body="123456"))
    finally:
        controller.stop()
    assert len(received) == 1 and received[0].rcpt_tos == ["ana@example.test"]
    assert b"123456" in received[0].content


LONG_TITLE = "Rénovation énergétique de l'école élémentaire Jules-Ferry et végétalisation de sa cour " * 2


@pytest.mark.parametrize(
    "mail",
    [
        Mail(to="ana@example.test", subject="Code", body="123456"),
        Mail(to="ana@example.test", subject=f"Votre bulletin pour « {LONG_TITLE} »", body="Reçu : ABCD-EFGH\n" * 40),
        Mail(to='"Zoë Lefèvre" <zoe@example.test>', subject="Ваш бюллетень 投票 🗳", body="Ligne\r\nautre\n"),
        Mail(to="ana@example.test", subject="x" * 300, body="y" * 2000),
        Mail(
            to="ana@example.test",
            subject="Lettre",
            body="Voir la pièce jointe.",
            attachments=[Attachment("reçu n°12.pdf", b"%PDF-1.4 \x00\xff")],
            headers={
                "List-Unsubscribe": "<https://example.test/d/abc>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        ),
    ],
)
def test_messages_built_with_the_header_classes_made_once_are_those_of_the_standard_policy(app, monkeypatch, mail):
    from email import policy

    from participatory import mail as mail_module

    headers = ("Thu, 03 Dec 2026 21:00:00 -0000", "<a1b2@example.test>")

    def built() -> bytes:
        random.seed(12)  # the multipart boundary is random
        return bytes(mail_module.build_message(mail, "Plateforme <noreply@example.test>", headers))

    ours = built()
    monkeypatch.setattr(mail_module, "POLICY", policy.default)
    assert ours == built()


def test_the_header_classes_are_made_once_per_kind():
    from participatory.mail import POLICY

    registry = POLICY.header_factory
    assert registry["Subject"] is registry["subject"] and registry["X-Unknown"] is registry["X-Other"]
    assert registry["To"] is registry["cc"] and registry["To"] is not registry["Subject"]
    assert registry["Date"]("Date", "Thu, 03 Dec 2026 21:00:00 -0000").datetime.year == 2026
