"""Throwaway keys, certificates and packs for the pack tests and benchmarks.

Made directly with ``cryptography`` so these tests do not depend on the session and
identity modules: a session CA, a secretariat signing certificate issued by it, and
reviewer age identities.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reviewer.crypto import roles
from reviewer.pack.candidates import CandidateRow, MaterialFile, WorkRow, media_type_for

NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Signer:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(name: str = "测试评审会 CA", *, days: int = 365) -> Signer:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Signer(key, cert)


def issue(
    ca: Signer,
    name: str = "评审秘书处",
    *,
    digital_signature: bool = True,
    secretariat: bool = True,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Signer:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=100))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if secretariat:
        builder = builder.add_extension(roles.secretariat_policy(), critical=False)
    return Signer(key, builder.sign(ca.key, hashes.SHA256()))


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class Session:
    ca: Signer
    secretariat: Signer
    reviewers: tuple[pyrage.x25519.Identity, ...]

    @property
    def recipients(self) -> list[str]:
        return [str(r.to_public()) for r in self.reviewers]


def make_session(reviewers: int = 2) -> Session:
    ca = make_ca()
    return Session(
        ca, issue(ca), tuple(pyrage.x25519.Identity.generate() for _ in range(reviewers))
    )


def write_materials(folder: Path, sizes: dict[str, int]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, size in sizes.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            left = size
            while left:
                block = os.urandom(min(left, 1 << 20))
                fh.write(block)
                left -= len(block)
        paths[name] = path
    return paths


def material(folder: Path, relative: str) -> MaterialFile:
    path = (folder / relative).resolve()
    return MaterialFile(
        relative=relative,
        path=path,
        display_name=Path(relative).name,
        media_type=media_type_for(path) or "application/octet-stream",
        size=path.stat().st_size,
    )


def candidate(
    line: int,
    cid: str,
    name: str,
    works: list[tuple[str, str, int, MaterialFile | None]] = (),
    others: list[MaterialFile] = (),
    category: str = "news",
) -> CandidateRow:
    return CandidateRow(
        line=line,
        id=cid,
        name=name,
        category=category,
        programme="青年创新人才工程",
        affiliation="某某广播电视台",
        region="新疆维吾尔自治区",
        central_western_border_ethnic=True,
        new_arts_group=False,
        works=tuple(WorkRow(title, kind, year, f) for title, kind, year, f in works),
        other_materials=tuple(others),
    )


# -- raw pack surgery, for hostile inputs ---------------------------------------------


def read_members(pack: Path) -> list[tuple[str, bytes]]:
    import zipfile

    with zipfile.ZipFile(pack) as archive:
        return [(i.filename, archive.read(i)) for i in archive.infolist()]


def write_zip(path: Path, members: list[tuple[str, bytes]], compression: int | None = None) -> Path:
    import zipfile

    mode = zipfile.ZIP_STORED if compression is None else compression
    with zipfile.ZipFile(path, "w", mode) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = mode
            archive.writestr(info, data)
    return path


def repack(
    src: Path,
    dst: Path,
    *,
    replace: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
    add: list[tuple[str, bytes]] | None = None,
) -> Path:
    members = [
        (name, (replace or {}).get(name, data))
        for name, data in read_members(src)
        if name not in drop
    ]
    return write_zip(dst, members + list(add or []))


def forge_pack(
    dst: Path,
    session: Session,
    manifest: bytes,
    *,
    attachments: dict[str, bytes] | None = None,
    signer: Signer | None = None,
    extra_certs: tuple[x509.Certificate, ...] = (),
    header: dict | None = None,
) -> Path:
    """A pack around arbitrary manifest bytes, signed and encrypted like a real one."""
    import json

    from cryptography.hazmat.primitives.serialization import pkcs7

    signer = signer or session.secretariat
    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(signer.cert, signer.key, hashes.SHA256())
    )
    for cert in extra_certs:
        builder = builder.add_certificate(cert)
    signature = builder.sign(
        serialization.Encoding.DER,
        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
    )
    recipients = [r.to_public() for r in session.reviewers]
    try:
        doc = json.loads(manifest)
        pack_id, session_id, created = doc["pack_id"], doc["session"]["id"], doc["created"]
        fmt = doc["format"]
    except Exception:
        pack_id, session_id, created = "00000000-0000-4000-8000-000000000000", "S1", "x"
        fmt = 2
    head = {
        "kind": "reviewer-workstation/dossier-pack",
        "format": fmt,
        "pack_id": pack_id,
        "session_id": session_id,
        "created": created,
        "recipients": len(recipients),
    } | (header or {})
    members = [
        ("pack.json", json.dumps(head).encode()),
        ("manifest.json.sig", signature),
        ("manifest.json.age", pyrage.encrypt(manifest, recipients)),
    ]
    for sha, data in (attachments or {}).items():
        members.append((f"files/{sha}.age", pyrage.encrypt(data, recipients)))
    return write_zip(dst, members)


def build_sample_pack(
    folder: Path, session: Session, *, session_id: str = "S-2026-01", signer: Signer | None = None
):
    """A small real pack: three candidates, four attachments (one shared, one empty)."""
    from reviewer.pack.build import build_pack

    materials = folder / "materials"
    write_materials(materials, {"a.pdf": 70_000, "b.png": 1234, "c.txt": 0, "d.jpg": 5})
    m = {name: material(materials, name) for name in ("a.pdf", "b.png", "c.txt", "d.jpg")}
    rows = [
        candidate(
            2, "C001", "买买提·艾力", [("天山深处", "纪录片", 2023, m["a.pdf"])], [m["b.png"]]
        ),
        candidate(3, "C002", "王𠮷", [("新闻一", "新闻", 2022, None)], [m["c.txt"], m["a.pdf"]]),
        candidate(4, "C003", "李䶮", [("作品", "剧", 2021, m["d.jpg"])]),
    ]
    built = build_pack(
        folder / "sample.rvpack",
        session_id=session_id,
        session_name="2026年度评审会",
        candidates=rows,
        recipients=session.recipients,
        signer_key=(signer or session.secretariat).key,
        signer_cert=(signer or session.secretariat).cert,
    )
    contents = {name: (materials / name).read_bytes() for name in m}
    return built, contents
