"""Email goes to the outbox by default and through a real SMTP server when configured."""

from __future__ import annotations

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
