"""The outbox: hands validated Peppol documents to an access point.

One interface, :class:`AccessPoint`, for whatever carries the document into the
Peppol network. One working adapter, :class:`FolderAccessPoint`, writes each
document (and a JSON envelope beside it) to a folder; a real access point is an
adapter registered in ``ADAPTERS`` and chosen by configuration:

- ``BILLING_ACCESS_POINT``: the adapter's name (default ``"folder"``);
- ``BILLING_OUTBOX_DIR``: the folder adapter's folder (default ``instance/outbox``,
  or the environment variable ``SAMVIRKE_BILLING_OUTBOX_DIR``).

``send(xml, access_point)`` validates the document first, every time, and
raises :class:`DocumentRefused` with the findings when any is fatal: no adapter
ever sees a document that fails a rule. The envelope (sender, receiver,
document type, number) is read from the XML itself, so it cannot disagree
with the document. Sending the same document again is harmless (the folder
adapter returns the first receipt); sending a different document under a
number already sent is refused, because an issued invoice never changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext
from lxml import etree

from core.billing.documents import Finding, has_fatal, validate

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTBOX_DIR = ROOT / "instance" / "outbox"

_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
# Peppol document type identifiers (busdox-docid-qns) for BIS Billing 3.0 and its process.
DOCUMENT_TYPES = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
}
PROCESS_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


class OutboxError(Exception):
    """A document could not be handed over: ``message`` for the log, ``explanation`` for the finance page
    (a lazy gettext text, shown in the viewer's language)."""

    def __init__(self, message: str, explanation: Any) -> None:
        super().__init__(message)
        self.explanation = explanation


class DocumentRefused(OutboxError):
    """The document fails a fatal rule; ``findings`` lists them all (warnings included)."""

    def __init__(self, findings: list[Finding]) -> None:
        fatal = [f for f in findings if f.severity == "fatal"]
        rules = ", ".join(sorted({f.rule_id for f in fatal}))
        super().__init__(
            f"document fails {rules}", lazy_gettext("The document cannot be sent, because it does not meet: %(rules)s.", rules=rules)
        )
        self.findings = findings


@dataclass(frozen=True)
class Envelope:
    """What an access point needs besides the document (Peppol SBDH values)."""

    number: str
    root: str  # "Invoice" or "CreditNote"
    document_type: str
    process: str
    sender: str  # "0184:12345678"
    receiver: str  # "0088:5798..."
    sha256: str


@dataclass(frozen=True)
class Receipt:
    adapter: str
    message_id: str
    location: str
    accepted_at: str  # ISO 8601, UTC


class AccessPoint(ABC):
    """Carries a validated document into the Peppol network (or, for tests and demos, a folder)."""

    name: str

    @abstractmethod
    def deliver(self, envelope: Envelope, xml: bytes) -> Receipt:
        """Hand the document over; return a receipt. Must be idempotent for the same document."""


def envelope_of(xml: bytes) -> Envelope:
    """The envelope, read from the document (which must already be valid)."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    kind = etree.QName(root).localname

    def endpoint(role: str) -> str:
        element = root.find(f"cac:{role}/cac:Party/cbc:EndpointID", _NS)
        if element is None:
            raise OutboxError(f"no {role} endpoint", lazy_gettext("The document lacks an electronic address."))
        return f"{element.get('schemeID')}:{(element.text or '').strip()}"

    return Envelope(
        number=(root.findtext("cbc:ID", namespaces=_NS) or "").strip(),
        root=kind,
        document_type=DOCUMENT_TYPES[kind],
        process=PROCESS_ID,
        sender=endpoint("AccountingSupplierParty"),
        receiver=endpoint("AccountingCustomerParty"),
        sha256=hashlib.sha256(xml).hexdigest(),
    )


def send(xml: bytes, access_point: AccessPoint) -> Receipt:
    """Validate ``xml`` and hand it to ``access_point``; :class:`DocumentRefused` on any fatal finding."""
    findings = validate(xml)
    if has_fatal(findings):
        raise DocumentRefused(findings)
    return access_point.deliver(envelope_of(xml), xml)


def _safe(part: str) -> str:
    # Endpoint ids and invoice numbers become path parts: keep them to a harmless alphabet.
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in part).strip(".")
    if not cleaned:
        raise OutboxError(f"unusable name {part!r}", lazy_gettext("The document's number cannot be used as a file name."))
    return cleaned


def _write_atomically(path: Path, data: bytes) -> None:
    # A reader (or a crash) never sees half a file: write beside it, then rename.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class FolderAccessPoint(AccessPoint):
    """Writes ``<dir>/<sender>/<Invoice|CreditNote>-<number>.xml`` and a ``.json`` envelope beside it."""

    name = "folder"

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def deliver(self, envelope: Envelope, xml: bytes) -> Receipt:
        folder = self.directory / _safe(envelope.sender.replace(":", "-"))
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{envelope.root}-{_safe(envelope.number)}"
        # One writer per document at a time (two workers sending the same invoice).
        with open(folder / f".{stem}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._deliver_locked(envelope, xml, folder, stem)

    def _deliver_locked(self, envelope: Envelope, xml: bytes, folder: Path, stem: str) -> Receipt:
        document_path, envelope_path = folder / f"{stem}.xml", folder / f"{stem}.json"
        if envelope_path.exists():
            earlier = json.loads(envelope_path.read_text("utf-8"))
            if earlier["envelope"]["sha256"] != envelope.sha256:
                raise OutboxError(
                    f"{stem} was sent with other content",
                    lazy_gettext(
                        "Document %(number)s was already sent with other content; correct it with a credit note.", number=envelope.number
                    ),
                )
            return Receipt(**earlier["receipt"])
        receipt = Receipt(
            adapter=self.name,
            message_id=f"{envelope.sender}/{envelope.root}/{envelope.number}",
            location=str(document_path),
            accepted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        _write_atomically(document_path, xml)
        # The envelope last: its presence means the document is complete.
        _write_atomically(envelope_path, json.dumps({"envelope": asdict(envelope), "receipt": asdict(receipt)}, indent=2).encode())
        return receipt


def _folder(config: Mapping[str, Any]) -> AccessPoint:
    directory = config.get("BILLING_OUTBOX_DIR") or os.environ.get("SAMVIRKE_BILLING_OUTBOX_DIR") or DEFAULT_OUTBOX_DIR
    return FolderAccessPoint(directory)


# Adapter name -> factory taking the configuration. A real access point registers here.
ADAPTERS: dict[str, Callable[[Mapping[str, Any]], AccessPoint]] = {"folder": _folder}


def access_point_from_config(config: Mapping[str, Any]) -> AccessPoint:
    """The configured adapter (``BILLING_ACCESS_POINT``, default ``folder``)."""
    name = config.get("BILLING_ACCESS_POINT") or "folder"
    factory = ADAPTERS.get(name)
    if factory is None:
        raise OutboxError(f"unknown access point {name!r}", lazy_gettext("Unknown Peppol access point: %(name)s.", name=name))
    return factory(config)
