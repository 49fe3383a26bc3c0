"""The outbox hands only valid documents to the access point; the folder adapter writes them whole."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from core.billing.documents import ubl_xml
from core.billing.outbox import (
    AccessPoint,
    DocumentRefused,
    Envelope,
    FolderAccessPoint,
    OutboxError,
    Receipt,
    access_point_from_config,
    send,
)
from tests.billing_documents.conftest import credit_note, fredericia_invoice


class Recording(AccessPoint):
    name = "recording"

    def __init__(self) -> None:
        self.delivered: list[Envelope] = []

    def deliver(self, envelope: Envelope, xml: bytes) -> Receipt:
        self.delivered.append(envelope)
        return Receipt(adapter=self.name, message_id=envelope.number, location="", accepted_at="")


def _files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_a_valid_invoice_is_written_with_its_envelope(tmp_path: Path, ishoj_2023) -> None:
    xml = ubl_xml(ishoj_2023)
    receipt = send(xml, FolderAccessPoint(tmp_path))
    assert _files(tmp_path) == ["0184-99990104/Invoice-2023-0001.json", "0184-99990104/Invoice-2023-0001.xml"]
    assert (tmp_path / "0184-99990104/Invoice-2023-0001.xml").read_bytes() == xml
    stored = json.loads((tmp_path / "0184-99990104/Invoice-2023-0001.json").read_text())
    assert stored["envelope"]["sender"] == "0184:99990104"
    assert stored["envelope"]["receiver"] == "0088:5798999901839"
    assert stored["envelope"]["document_type"].startswith("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##")
    assert stored["envelope"]["process"] == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert receipt.adapter == "folder"
    assert receipt.location == str(tmp_path / "0184-99990104/Invoice-2023-0001.xml")


def test_a_credit_note_is_written_beside_its_invoice(tmp_path: Path) -> None:
    invoice = fredericia_invoice(1)
    outbox = FolderAccessPoint(tmp_path)
    send(ubl_xml(invoice), outbox)
    send(ubl_xml(credit_note(invoice, "MH-2024-0005", "Fejl i beløbet")), outbox)
    assert [f for f in _files(tmp_path) if f.endswith(".xml")] == [
        "0184-99990201/CreditNote-MH-2024-0005.xml",
        "0184-99990201/Invoice-MH-2024-0001.xml",
    ]


@pytest.mark.parametrize(
    "change, rule",
    [
        (lambda doc: dataclasses.replace(doc, buyer_reference=""), "PEPPOL-EN16931-R003"),
        (lambda doc: dataclasses.replace(doc, buyer=dataclasses.replace(doc.buyer, endpoint_id="5798999901838")), "PEPPOL-COMMON-R040"),
        (lambda doc: dataclasses.replace(doc, total=doc.total + 1), "BR-CO-13"),
    ],
)
def test_an_invalid_document_is_refused_and_nothing_is_written(tmp_path: Path, ishoj_2023, change, rule: str) -> None:
    recording = Recording()
    with pytest.raises(DocumentRefused) as refused:
        send(ubl_xml(change(ishoj_2023)), recording)
    assert recording.delivered == []
    assert rule in {f.rule_id for f in refused.value.findings}
    assert rule in str(refused.value.explanation)
    with pytest.raises(DocumentRefused):
        send(ubl_xml(change(ishoj_2023)), FolderAccessPoint(tmp_path))
    assert _files(tmp_path) == []


def test_sending_the_same_document_twice_writes_it_once(tmp_path: Path, ishoj_2023) -> None:
    outbox = FolderAccessPoint(tmp_path)
    first = send(ubl_xml(ishoj_2023), outbox)
    again = send(ubl_xml(ishoj_2023), outbox)
    assert again == first
    assert len(_files(tmp_path)) == 2


def test_another_document_under_a_number_already_sent_is_refused(tmp_path: Path, ishoj_2023) -> None:
    outbox = FolderAccessPoint(tmp_path)
    send(ubl_xml(ishoj_2023), outbox)
    changed = dataclasses.replace(ishoj_2023, note="Ændret efter afsendelse")
    with pytest.raises(OutboxError) as error:
        send(ubl_xml(changed), outbox)
    assert "kreditnota" in str(error.value.explanation)
    assert (tmp_path / "0184-99990104/Invoice-2023-0001.xml").read_bytes() == ubl_xml(ishoj_2023)


def test_the_access_point_is_chosen_by_configuration(tmp_path: Path, monkeypatch) -> None:
    chosen = access_point_from_config({"BILLING_ACCESS_POINT": "folder", "BILLING_OUTBOX_DIR": str(tmp_path)})
    assert isinstance(chosen, FolderAccessPoint) and chosen.directory == tmp_path
    monkeypatch.setenv("SAMVIRKE_BILLING_OUTBOX_DIR", str(tmp_path / "env"))
    from_environment = access_point_from_config({})
    assert isinstance(from_environment, FolderAccessPoint) and from_environment.directory == tmp_path / "env"
    monkeypatch.delenv("SAMVIRKE_BILLING_OUTBOX_DIR")
    default = access_point_from_config({})
    assert isinstance(default, FolderAccessPoint) and default.directory.parts[-2:] == ("instance", "outbox")
    with pytest.raises(OutboxError) as error:
        access_point_from_config({"BILLING_ACCESS_POINT": "nemhandel"})
    assert "Ukendt Peppol-adgangspunkt" in str(error.value.explanation)
