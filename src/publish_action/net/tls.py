"""Which certificate authorities a run trusts, the way pip does it.

- `cert` input (twine's `--cert`): that CA bundle only, so a private index's CA is all that
  counts, exactly as the user asked.
- otherwise the system trust store through `truststore` (macOS Keychain, Windows certificate
  store, the OpenSSL store on Linux), so a company CA installed on the runner just works; plus
  `SSL_CERT_FILE` / `SSL_CERT_DIR` when set (added on every platform, not only where OpenSSL
  reads them); plus certifi's Mozilla bundle when the system has no store at all (a minimal
  container without ca-certificates).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TrustChoice:
    context: ssl.SSLContext
    source: str  # one line for verbose output: where the trusted CAs come from


def trust(ca_bundle: Path | None, environ: Mapping[str, str]) -> TrustChoice:
    if ca_bundle is not None:
        only = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca_bundle))
        return TrustChoice(only, f"the CA bundle {ca_bundle} ('cert' input)")
    sources: list[str] = []
    context: ssl.SSLContext
    try:
        import truststore

        context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        sources.append("the system trust store")
    except ImportError:  # pragma: no cover - truststore is in the lock
        context = ssl.create_default_context()
        sources.append("OpenSSL's default CA paths")
    cafile, capath = environ.get("SSL_CERT_FILE"), environ.get("SSL_CERT_DIR")
    if cafile or capath:
        context.load_verify_locations(cafile=cafile or None, capath=capath or None)
        sources.append(
            " and ".join(
                f"{name}={value}"
                for name, value in (("SSL_CERT_FILE", cafile), ("SSL_CERT_DIR", capath))
                if value
            )
        )
    elif not _system_has_cas():
        import certifi

        context.load_verify_locations(cafile=certifi.where())
        sources.append("certifi's bundle (this system has no CA store)")
    return TrustChoice(context, ", ".join(sources))


def _system_has_cas() -> bool:
    if os.name == "nt" or Path("/System/Library").is_dir():  # Windows, macOS: always a store
        return True
    paths = ssl.get_default_verify_paths()
    if paths.cafile or (paths.capath and any(Path(paths.capath).glob("*.0"))):
        return True
    return any(
        Path(p).is_file()
        for p in (
            "/etc/ssl/cert.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/pki/tls/cert.pem",
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/ssl/ca-bundle.pem",
        )
    )


def is_certificate_failure(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) is a failed certificate verification."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if isinstance(current, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False
