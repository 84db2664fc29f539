"""The Ed25519 key that signs the audit log's checkpoints, read from the configuration.

AUDIT_SIGNING_KEY holds the private key: base64 of the raw 32-byte seed, or a PKCS#8 PEM. It lives
outside the database on purpose: someone who can rewrite the log cannot sign a checkpoint of the
rewritten head. Production refuses to start without it (config.check); elsewhere a key is derived
from SECRET_KEY, with a warning, so development and tests sign without setup.
AUDIT_RETIRED_PUBLIC_KEYS lists the public keys of earlier signing keys (base64, comma separated),
so checkpoints signed before a key change still verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from participatory.config import ConfigError

log = logging.getLogger(__name__)
ALGORITHM = "Ed25519"
_DERIVATION_LABEL = b"participatory audit checkpoint key v1\x00"


class BadKey(ValueError):
    """A key that cannot be read."""


@dataclass(frozen=True)
class PublicKey:
    key: Ed25519PublicKey

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def b64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def key_id(self) -> str:
        """A short name of the key that checkpoints carry: the first 16 hex digits of SHA-256(raw key)."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    @property
    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self.key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadKey("not base64") from exc


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """A private key from base64 of the raw 32-byte seed, or from a PKCS#8 PEM (unencrypted; its line
    breaks may be written as \\n, as environment files often hold it on one line)."""
    text = text.strip().replace("\\n", "\n")
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError) as exc:
            raise BadKey(f"unreadable PEM private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise BadKey("the PEM key is not an Ed25519 key")
        return key
    seed = _b64(text)
    if len(seed) != 32:
        raise BadKey(f"an Ed25519 seed is 32 bytes, this one is {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_from_text(text: str) -> PublicKey:
    """A public key from base64 of its 32 raw bytes, a PEM, or the JSON of /api/v1/audit/public-key."""
    text = text.strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text)["public_key"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadKey("a JSON public key needs a 'public_key' field") from exc
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError) as exc:
            raise BadKey(f"unreadable PEM public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise BadKey("the PEM key is not an Ed25519 key")
        return PublicKey(key)
    raw = _b64(text)
    if len(raw) != 32:
        raise BadKey(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}")
    return PublicKey(Ed25519PublicKey.from_public_bytes(raw))


def derived_private_key(secret_key: str) -> Ed25519PrivateKey:
    """The development key: deterministic from SECRET_KEY, so restarts keep verifying old checkpoints."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(_DERIVATION_LABEL + secret_key.encode()).digest())


@dataclass(frozen=True)
class Keys:
    signing: Ed25519PrivateKey
    public: PublicKey
    retired: tuple[PublicKey, ...] = ()

    def trusted(self) -> dict[str, PublicKey]:
        """key_id -> key, for every key whose checkpoints verify."""
        return {k.key_id: k for k in (*self.retired, self.public)}

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.signing.sign(message)).decode("ascii")


def keys_from_config(config) -> Keys:
    """Read (and check) the keys of a configuration; raises BadKey on a malformed one."""
    text = (config.get("AUDIT_SIGNING_KEY") or "").strip()
    signing = private_key_from_text(text) if text else derived_private_key(str(config.get("SECRET_KEY") or ""))
    retired = tuple(
        public_key_from_text(part)
        for part in (config.get("AUDIT_RETIRED_PUBLIC_KEYS") or "").split(",")
        if part.strip()
    )
    return Keys(signing, PublicKey(signing.public_key()), retired)


def current_keys() -> Keys:
    """The app's keys, read once per process (a warning when derived from SECRET_KEY)."""
    from flask import current_app

    keys = current_app.extensions.get("audit_keys")
    if keys is None:
        keys = keys_from_config(current_app.config)
        if not (current_app.config.get("AUDIT_SIGNING_KEY") or "").strip():
            log.warning(
                "AUDIT_SIGNING_KEY is not set: audit checkpoints are signed with a key derived from SECRET_KEY "
                "(development only; key id %s)",
                keys.public.key_id,
            )
        current_app.extensions["audit_keys"] = keys
    return keys


def check_config(config: dict) -> None:
    """A malformed key fails at start, not at the first publication; production needs a real one, since
    a key derived from SECRET_KEY is as secret as a value every app server and worker already holds.
    Run by the app factory after config.check (config imports no domain)."""
    if config.get("ENV_NAME") == "production" and not (config.get("AUDIT_SIGNING_KEY") or "").strip():
        raise ConfigError(
            "AUDIT_SIGNING_KEY must be set in production (base64 of 32 random bytes, e.g. "
            'python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())")'
        )
    try:
        keys_from_config(config)
    except BadKey as exc:
        raise ConfigError(f"AUDIT_SIGNING_KEY or AUDIT_RETIRED_PUBLIC_KEYS cannot be read: {exc}") from exc
