"""A local Sigstore on loopback: Fulcio, a CT log key and Rekor v1, for signing offline.

It stands for the public Sigstore instance (fulcio.sigstore.dev, ctfe.sigstore.dev,
rekor.sigstore.dev) as the unmodified `sigstore` client and verifier see it:

* **Fulcio** (`POST /api/v2/signingCert`) verifies the bearer OIDC token against the JWKS of an
  issuer the test registered (signature, audience `sigstore`, expiry), checks the CSR's proof of
  possession, and issues a 10-minute leaf under an intermediate CA, with the token's claims
  mapped into the certificate extensions as the real Fulcio's identity config maps them (GitHub
  Actions, GitLab.com, Google service accounts; Build Signer URI 1.9 from `job_workflow_ref`,
  Build Config URI 1.18 from `workflow_ref`) and an embedded precertificate SCT signed by the
  CT log key (RFC 6962).
* **Rekor v1** (`POST /api/v1/log/entries`, kind `dsse` 0.0.1) verifies the DSSE signature
  against the certificate, appends the canonical entry to an RFC 6962 Merkle tree (pre-seeded so
  proofs are not trivial), and answers with an inclusion proof, a signed checkpoint and a signed
  entry timestamp, with a shard offset between the global and the tree log index as the real
  log has.
* `trust_config()` is the `ClientTrustConfig` (trusted root + signing config) pointing at both.

Fulcio and Rekor listen on separate ports, so either can be taken down (`stop("fulcio")`: the
port refuses connections), made to fail (`fulcio_status = 503`) or slow (`delay["rekor"] = 5`).
`rekor_tamper` returns entries whose signed entry timestamp, inclusion proof or checkpoint does
not verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.loopback import LoopbackServer

__all__ = ["FULCIO_OIDS", "Jwks", "SigstoreStandIn", "sigstore_standin"]

Jwks = Mapping[str, Any] | Callable[[], Mapping[str, Any]]

_SCT_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
_EPOCH = "2020-01-01T00:00:00Z"
_LEAF_LIFETIME = timedelta(minutes=10)

# Fulcio extension OIDs by the names of fulcio/docs/oid-info.md.
FULCIO_OIDS = {
    "issuer (v1)": "1.3.6.1.4.1.57264.1.1",
    "github workflow trigger": "1.3.6.1.4.1.57264.1.2",
    "github workflow sha": "1.3.6.1.4.1.57264.1.3",
    "github workflow name": "1.3.6.1.4.1.57264.1.4",
    "github workflow repository": "1.3.6.1.4.1.57264.1.5",
    "github workflow ref": "1.3.6.1.4.1.57264.1.6",
    "issuer": "1.3.6.1.4.1.57264.1.8",
    "build signer uri": "1.3.6.1.4.1.57264.1.9",
    "build signer digest": "1.3.6.1.4.1.57264.1.10",
    "runner environment": "1.3.6.1.4.1.57264.1.11",
    "source repository uri": "1.3.6.1.4.1.57264.1.12",
    "source repository digest": "1.3.6.1.4.1.57264.1.13",
    "source repository ref": "1.3.6.1.4.1.57264.1.14",
    "source repository identifier": "1.3.6.1.4.1.57264.1.15",
    "source repository owner uri": "1.3.6.1.4.1.57264.1.16",
    "source repository owner identifier": "1.3.6.1.4.1.57264.1.17",
    "build config uri": "1.3.6.1.4.1.57264.1.18",
    "build config digest": "1.3.6.1.4.1.57264.1.19",
    "build trigger": "1.3.6.1.4.1.57264.1.20",
    "run invocation uri": "1.3.6.1.4.1.57264.1.21",
    "source repository visibility": "1.3.6.1.4.1.57264.1.22",
    "deployment environment": "1.3.6.1.4.1.57264.1.23",
}
_LEGACY = (
    "issuer (v1)",
    "github workflow trigger",
    "github workflow sha",
    "github workflow name",
    "github workflow repository",
    "github workflow ref",
)


class FulcioRefusal(Exception):
    """An error Fulcio answers with: HTTP status and gRPC-gateway body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- small encoders ----------------------------------------------------------------------------


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_utf8(text: str) -> bytes:
    raw = text.encode()
    return b"\x0c" + _der_length(len(raw)) + raw


def _der_octets(raw: bytes) -> bytes:
    return b"\x04" + _der_length(len(raw)) + raw


def _spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _pae(payload_type: str, body: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(body), body)


# -- RFC 6962 Merkle tree ----------------------------------------------------------------------


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node_hash(_root(leaves[:k]), _root(leaves[k:]))


def _audit_path(index: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_audit_path(index, leaves[:k]), _root(leaves[k:])]
    return [*_audit_path(index - k, leaves[k:]), _root(leaves[:k])]


# -- the claim → certificate mapping (fulcio/config/identity/config.yaml) ----------------------


def _str_claim(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if value is None or value == "":
        raise FulcioRefusal(400, f"missing claim {name!r} in the identity token")
    return str(value)


def _github_extensions(claims: Mapping[str, Any]) -> tuple[list[x509.GeneralName], dict[str, str]]:
    url = "https://github.com"
    c = {
        name: _str_claim(claims, name)
        for name in (
            "iss",
            "event_name",
            "sha",
            "workflow",
            "repository",
            "ref",
            "job_workflow_ref",
            "job_workflow_sha",
            "runner_environment",
            "repository_id",
            "repository_owner",
            "repository_owner_id",
            "workflow_ref",
            "workflow_sha",
            "run_id",
            "run_attempt",
            "repository_visibility",
        )
    }
    values = {
        "issuer (v1)": c["iss"],
        "github workflow trigger": c["event_name"],
        "github workflow sha": c["sha"],
        "github workflow name": c["workflow"],
        "github workflow repository": c["repository"],
        "github workflow ref": c["ref"],
        "issuer": c["iss"],
        "build signer uri": f"{url}/{c['job_workflow_ref']}",
        "build signer digest": c["job_workflow_sha"],
        "runner environment": c["runner_environment"],
        "source repository uri": f"{url}/{c['repository']}",
        "source repository digest": c["sha"],
        "source repository ref": c["ref"],
        "source repository identifier": c["repository_id"],
        "source repository owner uri": f"{url}/{c['repository_owner']}",
        "source repository owner identifier": c["repository_owner_id"],
        "build config uri": f"{url}/{c['workflow_ref']}",  # the top-level (calling) workflow
        "build config digest": c["workflow_sha"],
        "build trigger": c["event_name"],
        "run invocation uri": (
            f"{url}/{c['repository']}/actions/runs/{c['run_id']}/attempts/{c['run_attempt']}"
        ),
        "source repository visibility": c["repository_visibility"],
    }
    if claims.get("environment"):
        values["deployment environment"] = str(claims["environment"])
    san: list[x509.GeneralName] = [x509.UniformResourceIdentifier(f"{url}/{c['job_workflow_ref']}")]
    return san, values


def _gitlab_extensions(claims: Mapping[str, Any]) -> tuple[list[x509.GeneralName], dict[str, str]]:
    url = "https://gitlab.com"
    c = {
        name: _str_claim(claims, name)
        for name in (
            "iss",
            "ci_config_ref_uri",
            "ci_config_sha",
            "runner_environment",
            "project_path",
            "sha",
            "ref_type",
            "ref",
            "project_id",
            "namespace_path",
            "namespace_id",
            "pipeline_source",
            "job_id",
            "project_visibility",
        )
    }
    kind = "heads" if c["ref_type"] == "branch" else "tags"
    values = {
        "issuer (v1)": c["iss"],
        "issuer": c["iss"],
        "build signer uri": f"https://{c['ci_config_ref_uri']}",
        "build signer digest": c["ci_config_sha"],
        "runner environment": c["runner_environment"],
        "source repository uri": f"{url}/{c['project_path']}",
        "source repository digest": c["sha"],
        "source repository ref": f"refs/{kind}/{c['ref']}",
        "source repository identifier": c["project_id"],
        "source repository owner uri": f"{url}/{c['namespace_path']}",
        "source repository owner identifier": c["namespace_id"],
        "build config uri": f"https://{c['ci_config_ref_uri']}",
        "build config digest": c["ci_config_sha"],
        "build trigger": c["pipeline_source"],
        "run invocation uri": f"{url}/{c['project_path']}/-/jobs/{c['job_id']}",
        "source repository visibility": c["project_visibility"],
    }
    if claims.get("environment"):
        values["deployment environment"] = str(claims["environment"])
    return [x509.UniformResourceIdentifier(f"https://{c['ci_config_ref_uri']}")], values


def _email_extensions(claims: Mapping[str, Any]) -> tuple[list[x509.GeneralName], dict[str, str]]:
    if claims.get("email_verified") is not True:
        raise FulcioRefusal(400, "email_verified claim is not true")
    email = _str_claim(claims, "email")
    issuer = _str_claim(claims, "iss")
    return [x509.RFC822Name(email)], {"issuer (v1)": issuer, "issuer": issuer}


_MAPPINGS = {
    "https://token.actions.githubusercontent.com": _github_extensions,
    "https://gitlab.com": _gitlab_extensions,
    "https://accounts.google.com": _email_extensions,
}


# -- the stand-in ------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    standin: SigstoreStandIn
    service: str

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.standin.requests.append(f"{self.service} POST {self.path}")
        time.sleep(self.standin.delay.get(self.service, 0.0))
        status, answer = self.standin.handle(self.service, self.path, self.headers, body)
        self._reply(status, answer)

    def do_GET(self) -> None:
        self.standin.requests.append(f"{self.service} GET {self.path}")
        self._reply(404, {"code": 5, "message": "not found"})


class SigstoreStandIn:
    """Fulcio + CT log + Rekor v1 on 127.0.0.1; see the module docstring."""

    def __init__(self, *, seed_entries: int = 6, shard_offset: int = 100_000) -> None:
        now = datetime.now(timezone.utc)
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.intermediate_key = ec.generate_private_key(ec.SECP384R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        self.rekor_key = ec.generate_private_key(ec.SECP256R1())
        self.root_cert = self._ca_cert(
            "sigstore-standin", self.root_key, self.root_key, None, now, path_length=1
        )
        self.intermediate_cert = self._ca_cert(
            "sigstore-standin-intermediate",
            self.intermediate_key,
            self.root_key,
            self.root_cert,
            now,
            path_length=0,
        )
        self.ct_log_id = hashlib.sha256(_spki(self.ct_key.public_key())).digest()
        self.rekor_log_id = hashlib.sha256(_spki(self.rekor_key.public_key())).digest()
        self.tree_id = secrets.randbelow(2**62)
        self.shard_offset = shard_offset
        self._leaves = [_leaf_hash(secrets.token_bytes(64)) for _ in range(seed_entries)]
        self._lock = threading.Lock()
        self._issuers: dict[str, Jwks] = {}
        self.requests: list[str] = []
        self.issued: list[x509.Certificate] = []
        self.fulcio_status: int | None = None
        self.rekor_status: int | None = None
        self.rekor_tamper: str | None = None  # "set", "inclusion-proof" or "checkpoint"
        self.delay: dict[str, float] = {}  # seconds before answering, per service
        self._servers: dict[str, LoopbackServer] = {}
        self._urls: dict[str, str] = {}

    # -- lifecycle --

    def start(self) -> SigstoreStandIn:
        for service in ("fulcio", "rekor"):
            handler = type(f"_{service}", (_Handler,), {"standin": self, "service": service})
            server = LoopbackServer(handler, name=f"standin-{service}")
            self._servers[service] = server
            self._urls[service] = server.url.rstrip("/")
        return self

    def stop(self, service: str | None = None) -> None:
        """Stop one service (its port then refuses connections) or both."""
        for name in [service] if service else list(self._servers):
            server = self._servers.pop(name, None)
            if server is not None:
                server.close()

    @property
    def fulcio_url(self) -> str:
        return self._urls["fulcio"]

    @property
    def rekor_url(self) -> str:
        return self._urls["rekor"]

    def trust_issuer(self, issuer: str, jwks: Jwks) -> None:
        """Accept tokens from `issuer` signed by a key in `jwks` (a JWKS dict or a callable)."""
        self._issuers[issuer] = jwks

    # -- trust material --

    def trusted_root_json(self) -> dict[str, Any]:
        def key(public: ec.EllipticCurvePublicKey) -> dict[str, Any]:
            return {
                "rawBytes": _b64(_spki(public)),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": {"start": _EPOCH},
            }

        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [
                {
                    "baseUrl": self._urls.get("rekor", "http://127.0.0.1:9"),
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": key(self.rekor_key.public_key()),
                    "logId": {"keyId": _b64(self.rekor_log_id)},
                }
            ],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "publish-action tests", "commonName": "sigstore"},
                    "uri": self._urls.get("fulcio", "http://127.0.0.1:9"),
                    "certChain": {
                        "certificates": [
                            {"rawBytes": _b64(c.public_bytes(serialization.Encoding.DER))}
                            for c in (self.intermediate_cert, self.root_cert)
                        ]
                    },
                    "validFor": {"start": _EPOCH},
                }
            ],
            "ctlogs": [
                {
                    "baseUrl": "http://127.0.0.1:9/ct",
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": key(self.ct_key.public_key()),
                    "logId": {"keyId": _b64(self.ct_log_id)},
                }
            ],
            "timestampAuthorities": [],
        }

    def signing_config_json(self) -> dict[str, Any]:
        def service(url: str) -> dict[str, Any]:
            return {
                "url": url,
                "majorApiVersion": 1,
                "validFor": {"start": _EPOCH},
                "operator": "publish-action tests",
            }

        return {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [service(self.fulcio_url)],
            "oidcUrls": [],
            "rekorTlogUrls": [service(self.rekor_url)],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        }

    def trust_config_json(self) -> str:
        return json.dumps(
            {
                "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
                "trustedRoot": self.trusted_root_json(),
                "signingConfig": self.signing_config_json(),
            }
        )

    def trust_config(self) -> Any:
        """A fresh `sigstore.models.ClientTrustConfig` pointing at this stand-in."""
        from sigstore.models import ClientTrustConfig

        return ClientTrustConfig.from_json(self.trust_config_json())

    def trusted_root(self) -> Any:
        """The `sigstore.models.TrustedRoot` a verifier of this stand-in's signatures needs."""
        return self.trust_config().trusted_root

    # -- request handling --

    def handle(self, service: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        if service == "fulcio":
            if path != "/api/v2/signingCert":
                return 404, {"code": 5, "message": f"no route {path}"}
            if self.fulcio_status is not None:
                return self.fulcio_status, {"code": 14, "message": "injected Fulcio failure"}
            try:
                return 201, self._signing_cert(headers.get("Authorization", ""), body)
            except FulcioRefusal as refusal:
                return refusal.status, {
                    "code": 16 if refusal.status == 401 else 3,
                    "message": refusal.message,
                }
        if path != "/api/v1/log/entries":
            return 404, {"code": 404, "message": f"no route {path}"}
        if self.rekor_status is not None:
            return self.rekor_status, {
                "code": self.rekor_status,
                "message": "injected Rekor failure",
            }
        try:
            return 201, self._log_entry(json.loads(body))
        except (ValueError, KeyError, TypeError, InvalidSignature) as exc:
            return 400, {"code": 400, "message": f"invalid entry: {exc or type(exc).__name__}"}

    # -- Fulcio --

    def _verify_token(self, authorization: str) -> dict[str, Any]:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise FulcioRefusal(401, "missing bearer identity token")
        try:
            issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, KeyError) as exc:
            raise FulcioRefusal(401, f"malformed identity token: {exc}") from exc
        jwks = self._issuers.get(issuer)
        if jwks is None or issuer not in _MAPPINGS:
            raise FulcioRefusal(401, f"untrusted OIDC issuer {issuer!r}")
        try:
            keys = jwt.PyJWKSet.from_dict(dict(jwks() if callable(jwks) else jwks)).keys
        except jwt.PyJWTError as exc:
            raise FulcioRefusal(401, f"no usable key for issuer {issuer!r}: {exc}") from exc
        kid = header.get("kid")
        candidates = [k for k in keys if kid is None or k.key_id == kid] or keys
        for candidate in candidates:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    candidate.key,
                    algorithms=["RS256", "ES256"],
                    audience="sigstore",
                    issuer=issuer,
                    options={"require": ["iss", "sub", "aud", "exp", "iat"]},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as exc:
                raise FulcioRefusal(401, f"invalid identity token: {exc}") from exc
            return claims
        raise FulcioRefusal(401, "identity token signature does not verify")

    def _signing_cert(self, authorization: str, body: bytes) -> dict[str, Any]:
        claims = self._verify_token(authorization)
        try:
            pem = base64.b64decode(json.loads(body)["certificateSigningRequest"])
            csr = x509.load_pem_x509_csr(pem)
        except (ValueError, KeyError, TypeError) as exc:
            raise FulcioRefusal(400, f"invalid certificate signing request: {exc}") from exc
        if not csr.is_signature_valid:
            raise FulcioRefusal(400, "the CSR's signature (proof of possession) is invalid")
        public = csr.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise FulcioRefusal(400, "unsupported key type")
        san, values = _MAPPINGS[claims["iss"]](claims)
        leaf = self._issue(public, san, values)
        self.issued.append(leaf)
        chain = [leaf, self.intermediate_cert, self.root_cert]
        return {
            "signedCertificateEmbeddedSct": {
                "chain": {
                    "certificates": [
                        c.public_bytes(serialization.Encoding.PEM).decode() for c in chain
                    ]
                }
            }
        }

    def _issue(
        self,
        public: ec.EllipticCurvePublicKey,
        san: list[x509.GeneralName],
        values: Mapping[str, str],
    ) -> x509.Certificate:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        serial = x509.random_serial_number()
        issuer_ski = x509.SubjectKeyIdentifier.from_public_key(self.intermediate_key.public_key())

        def build(sct: bytes | None) -> x509.Certificate:
            builder = (
                x509.CertificateBuilder()
                .subject_name(x509.Name([]))
                .issuer_name(self.intermediate_cert.subject)
                .public_key(public)
                .serial_number(serial)
                .not_valid_before(now)
                .not_valid_after(now + _LEAF_LIFETIME)
                .add_extension(
                    x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                    critical=True,
                )
                .add_extension(
                    x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
                )
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
                    critical=False,
                )
                .add_extension(x509.SubjectAlternativeName(san), critical=True)
            )
            for name, oid in FULCIO_OIDS.items():
                if name in values:
                    raw = values[name].encode() if name in _LEGACY else _der_utf8(values[name])
                    builder = builder.add_extension(
                        x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), raw), critical=False
                    )
            if sct is not None:
                builder = builder.add_extension(
                    x509.UnrecognizedExtension(_SCT_OID, _der_octets(sct)), critical=False
                )
            return builder.sign(self.intermediate_key, hashes.SHA384())

        precert = build(None)
        final = build(self._sct(precert.tbs_certificate_bytes))
        assert final.tbs_precertificate_bytes == precert.tbs_certificate_bytes
        return final

    def _sct(self, tbs: bytes) -> bytes:
        """An RFC 6962 v1 SCT for a precertificate, as a TLS-encoded SCT list."""
        timestamp = int(time.time() * 1000)
        issuer_key_hash = hashlib.sha256(_spki(self.intermediate_key.public_key())).digest()
        signed = (
            b"\x00\x00"
            + timestamp.to_bytes(8, "big")
            + b"\x00\x01"
            + issuer_key_hash
            + len(tbs).to_bytes(3, "big")
            + tbs
            + b"\x00\x00"
        )
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            b"\x00"
            + self.ct_log_id
            + timestamp.to_bytes(8, "big")
            + b"\x00\x00"
            + b"\x04\x03"
            + len(signature).to_bytes(2, "big")
            + signature
        )
        entry = len(sct).to_bytes(2, "big") + sct
        return len(entry).to_bytes(2, "big") + entry

    def _ca_cert(
        self,
        name: str,
        key: ec.EllipticCurvePrivateKey,
        signer: ec.EllipticCurvePrivateKey,
        parent: x509.Certificate | None,
        now: datetime,
        *,
        path_length: int,
    ) -> x509.Certificate:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "publish-action tests"),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(parent.subject if parent else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        )
        if parent is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA384())

    # -- Rekor v1 --

    def _log_entry(self, proposed: Mapping[str, Any]) -> dict[str, Any]:
        if proposed.get("kind") != "dsse" or proposed.get("apiVersion") != "0.0.1":
            kind = f"{proposed.get('kind')}/{proposed.get('apiVersion')}"
            raise ValueError(f"unsupported kind {kind}")
        content = proposed["spec"]["proposedContent"]
        envelope_text: str = content["envelope"]
        verifiers: list[str] = content["verifiers"]
        envelope = json.loads(envelope_text)
        payload = base64.b64decode(envelope["payload"])
        pae = _pae(envelope["payloadType"], payload)
        signatures = []
        for signature in envelope["signatures"]:
            raw = base64.b64decode(signature["sig"])
            for verifier in verifiers:
                cert = x509.load_pem_x509_certificate(base64.b64decode(verifier))
                key = cert.public_key()
                assert isinstance(key, ec.EllipticCurvePublicKey)
                key.verify(raw, pae, ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature
                signatures.append({"signature": _b64(raw), "verifier": verifier})
        canonical = rfc8785.dumps(
            {
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(envelope_text.encode()).hexdigest(),
                    },
                    "payloadHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(payload).hexdigest(),
                    },
                    "signatures": signatures,
                },
            }
        )
        with self._lock:
            leaf = _leaf_hash(canonical)
            self._leaves.append(leaf)
            local_index = len(self._leaves) - 1
            leaves = list(self._leaves)
        return self._answer(canonical, leaf, local_index, leaves)

    def _answer(
        self, canonical: bytes, leaf: bytes, local_index: int, leaves: list[bytes]
    ) -> dict[str, Any]:
        size = len(leaves)
        root = _root(leaves)
        path = _audit_path(local_index, leaves)
        integrated = int(time.time())
        log_index = self.shard_offset + local_index
        body = _b64(canonical)
        signed_entry = rfc8785.dumps(
            {
                "body": body,
                "integratedTime": integrated,
                "logID": self.rekor_log_id.hex(),
                "logIndex": log_index,
            }
        )
        set_signature = self.rekor_key.sign(signed_entry, ec.ECDSA(hashes.SHA256()))
        checkpoint_key = self.rekor_key
        if self.rekor_tamper == "set":
            integrated += 1  # the SET was signed over another time
        elif self.rekor_tamper == "inclusion-proof" and path:
            path[0] = bytes([path[0][0] ^ 1]) + path[0][1:]
        elif self.rekor_tamper == "checkpoint":
            checkpoint_key = ec.generate_private_key(ec.SECP256R1())
        note = f"rekor.standin - {self.tree_id}\n{size}\n{_b64(root)}\n"
        note_signature = checkpoint_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        checkpoint = (
            f"{note}\n\u2014 rekor.standin {_b64(self.rekor_log_id[:4] + note_signature)}\n"
        )
        uuid = f"{self.tree_id:016x}{leaf.hex()}"
        return {
            uuid: {
                "body": body,
                "integratedTime": integrated,
                "logID": self.rekor_log_id.hex(),
                "logIndex": log_index,
                "verification": {
                    "signedEntryTimestamp": _b64(set_signature),
                    "inclusionProof": {
                        "logIndex": local_index,
                        "rootHash": root.hex(),
                        "treeSize": size,
                        "hashes": [h.hex() for h in path],
                        "checkpoint": checkpoint,
                    },
                },
            }
        }


@contextmanager
def sigstore_standin(**kwargs: Any) -> Iterator[SigstoreStandIn]:
    """Start a stand-in, yield it, stop it."""
    standin = SigstoreStandIn(**kwargs).start()
    try:
        yield standin
    finally:
        standin.stop()
