"""A throwaway certificate authority for the fake internet.

The CA (and every leaf it issues) lives only in a temp folder and in memory. Leaf certificates are
issued on demand for any host name (SAN dNSName) and cached. The extensions follow RFC 5280 as
strictly as OpenSSL's ``VERIFY_X509_STRICT`` (on by default since Python 3.13) wants them:
basicConstraints and keyUsage critical, subject/authority key identifiers, serverAuth EKU.

Usage::

    with TestCA() as ca:
        ca.bundle            # path of the CA PEM: pip --cert, SSL_CERT_FILE, httpx verify=
        ca.client_context()  # an ssl.SSLContext that trusts this CA only
        ca.server_context("pypi.org")  # what the proxy presents inside a CONNECT tunnel
"""

from __future__ import annotations

import datetime
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["TestCA"]

_VALIDITY = datetime.timedelta(days=2)


class TestCA:
    """A CA key and certificate in a temp folder; leaf contexts per host, cached."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, folder: Path | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="fake-internet-ca-")
            folder = Path(self._tmp.name)
        self.folder = folder
        self._lock = threading.Lock()
        self._contexts: dict[str, ssl.SSLContext] = {}
        now = datetime.datetime.now(datetime.timezone.utc)
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "publish-action test CA")])
        public = self._key.public_key()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self.bundle = folder / "ca.pem"
        self.bundle.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    # -- lifetime ---------------------------------------------------------------------------

    def __enter__(self) -> TestCA:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- issuing ------------------------------------------------------------------------------

    def issue(self, host: str) -> tuple[Path, Path]:
        """Write a leaf certificate (with the CA appended) and its key for ``host``."""
        host = host.lower()
        now = datetime.datetime.now(datetime.timezone.utc)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        safe = "".join(c if c.isalnum() or c in "-." else "_" for c in host)
        cert_path = self.folder / f"{safe}.crt"
        key_path = self.folder / f"{safe}.key"
        cert_path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + self.certificate.public_bytes(serialization.Encoding.PEM)
        )
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path

    def server_context(self, host: str) -> ssl.SSLContext:
        """A TLS server context presenting a leaf for ``host`` (HTTP/1.1 only), cached."""
        host = host.lower()
        with self._lock:
            cached = self._contexts.get(host)
            if cached is not None:
                return cached
            cert_path, key_path = self.issue(host)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(cert_path, key_path)
            context.set_alpn_protocols(["http/1.1"])
            self._contexts[host] = context
            return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA and nothing else (hostname checked)."""
        return ssl.create_default_context(cafile=str(self.bundle))


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
