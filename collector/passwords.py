"""Password hashes for the status pages' accounts, from the standard library.

The collector's configuration lists the people allowed to read the status pages and a hash of
each one's password (``[http] status_users``); it never holds a password. Hashes are written by
``esc-collector http hash-password`` in one of two formats, both computed with :mod:`hashlib`:

``scrypt$<n>$<r>$<p>$<salt>$<key>``
    scrypt (RFC 7914), memory-hard; the default: ``n=16384, r=8, p=1`` (16 MiB, ~50 ms).
``pbkdf2_sha256$<iterations>$<salt>$<key>``
    PBKDF2-HMAC-SHA256, for hashes made elsewhere (the same layout as Django's).

Salt and key are unpadded URL-safe base64. The configuration checks the hashes when it loads
(``collector/config.py``); the status pages check passwords with them (``collector/web/auth.py``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Final

#: scrypt parameters of new hashes: n=2^14, r=8 (16 MiB of memory), p=1.
SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
PBKDF2_MIN_ITERATIONS: Final = 100_000
_B64 = re.compile(r"[A-Za-z0-9_-]+")
_INT = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """A parsed password hash: the scheme, its parameters, the salt and the derived key."""

    scheme: str
    params: tuple[int, ...]
    salt: bytes
    key: bytes

    def derive(self, password: str) -> bytes:
        """Return the key ``password`` derives to with this hash's scheme, parameters and salt."""
        data = password.encode("utf-8")
        if self.scheme == "scrypt":
            n, r, p = self.params
            return hashlib.scrypt(data, salt=self.salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20,
                                  dklen=len(self.key))  # fmt: skip
        return hashlib.pbkdf2_hmac("sha256", data, self.salt, self.params[0], dklen=len(self.key))

    def verify(self, password: str) -> bool:
        """Return whether ``password`` matches (constant-time comparison)."""
        return hmac.compare_digest(self.derive(password), self.key)


def _b64decode(text: str) -> bytes:
    if not _B64.fullmatch(text):
        raise binascii.Error(f"{text[:16]!r} has characters outside A-Z a-z 0-9 - _")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def parse_hash(text: str) -> PasswordHash:
    """Parse a hash written by :func:`hash_password`; raise ``ValueError`` saying what is wrong."""
    parts = text.split("$")
    if not all(_INT.fullmatch(part) for part in parts[1:-2]):
        raise ValueError("the parameters between the scheme and the salt must be integers")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            if n < 2**10 or n > 2**20 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
                raise ValueError(
                    "scrypt parameters out of range (n a power of 2 in 2^10..2^20, r 1..32, p 1..16)"
                )
            params: tuple[int, ...] = (n, r, p)
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            iterations = int(parts[1])
            if not PBKDF2_MIN_ITERATIONS <= iterations <= 10_000_000:
                raise ValueError(f"pbkdf2_sha256 iterations must be {PBKDF2_MIN_ITERATIONS}..10000000")
            params = (iterations,)
        else:
            raise ValueError(
                "expected scrypt$n$r$p$salt$key or pbkdf2_sha256$iterations$salt$key "
                "(esc-collector http hash-password writes one)"
            )
        salt, key = _b64decode(parts[-2]), _b64decode(parts[-1])
    except (binascii.Error, UnicodeEncodeError) as err:
        raise ValueError(f"salt or key is not base64: {err}") from None
    if len(salt) < 8 or not 16 <= len(key) <= 128:
        raise ValueError("salt shorter than 8 bytes or key not 16..128 bytes")
    return PasswordHash(parts[0], params, salt, key)


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """Return a new scrypt hash of ``password`` with a random 16-byte salt."""
    salt = secrets.token_bytes(16)
    key = PasswordHash("scrypt", (n, r, p), salt, b"\0" * 32).derive(password)
    return f"scrypt${n}${r}${p}${_b64encode(salt)}${_b64encode(key)}"
