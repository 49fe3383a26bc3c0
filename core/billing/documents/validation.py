"""Offline validation: OASIS UBL 2.1 XSD, CEN EN 16931 and PEPPOL BIS 3 schematron (with DK-R).

The schemas and rule sets are vendored in ``vendor/`` (see its README). The
schematron runs on SaxonC-HE (``saxonche``), a real XSLT 3.0 processor: the
CEN rules from their official pre-compiled XSLT, the PEPPOL rules compiled
from the ``.sch`` with the vendored SchXslt. Everything is compiled once per
process (a forked worker compiles its own) and reused; transformations are
serialised by a lock because one SaxonC processor is shared.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from core.billing.documents.model import Finding, Severity

VENDOR = Path(__file__).parent / "vendor"
XSD_INVOICE = VENDOR / "ubl-2.1" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd"
XSD_CREDIT_NOTE = VENDOR / "ubl-2.1" / "xsd" / "maindoc" / "UBL-CreditNote-2.1.xsd"
CEN_XSLT = VENDOR / "cen-en16931" / "EN16931-UBL-validation.xslt"
PEPPOL_SCH = VENDOR / "peppol-bis-3" / "PEPPOL-EN16931-UBL.sch"
SCHXSLT_PIPELINE = VENDOR / "schxslt" / "xslt" / "2.0" / "pipeline-for-svrl.xsl"

NS_SVRL = "http://purl.oclc.org/dsdl/svrl"
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": XSD_INVOICE,
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": XSD_CREDIT_NOTE,
}


PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac:",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc:",
}
_EQNAME = re.compile(r"Q\{([^}]*)\}([\w.-]+)")  # SchXslt: Q{ns}local
_SKELETON = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\]")  # ISO skeleton: *:local[namespace-uri()='ns']


def short_location(location: str) -> str:
    """``/Invoice[1]/cac:AccountingCustomerParty[1]/...`` from either processor's long form."""
    location = _EQNAME.sub(lambda m: PREFIXES.get(m.group(1), "") + m.group(2), location)
    return _SKELETON.sub(lambda m: PREFIXES.get(m.group(2), "") + m.group(1), location)


@dataclass
class _Compiled:
    pid: int
    processor: Any  # saxonche.PySaxonProcessor
    rule_sets: list[tuple[str, Any]]  # (source name, PyXsltExecutable)
    schemas: dict[str, etree.XMLSchema]


_lock = threading.Lock()
_compiled: _Compiled | None = None


def _compile() -> _Compiled:
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    xslt = processor.new_xslt30_processor()
    cen = xslt.compile_stylesheet(stylesheet_file=str(CEN_XSLT))
    schxslt = xslt.compile_stylesheet(stylesheet_file=str(SCHXSLT_PIPELINE))
    peppol_xslt = schxslt.transform_to_string(source_file=str(PEPPOL_SCH))
    peppol = xslt.compile_stylesheet(stylesheet_text=peppol_xslt)
    schemas = {root: etree.XMLSchema(etree.parse(str(path))) for root, path in ROOTS.items()}
    return _Compiled(os.getpid(), processor, [("EN 16931", cen), ("Peppol BIS 3", peppol)], schemas)


def _get() -> _Compiled:
    global _compiled
    if _compiled is None or _compiled.pid != os.getpid():
        _compiled = _compile()
    return _compiled


def warm_up() -> None:
    """Compile everything now (e.g. at worker start) instead of on the first document."""
    with _lock:
        _get()


def _finding(rule_id: str, severity: Severity, location: str, text: str, source: str) -> Finding:
    return Finding(rule_id=rule_id, severity=severity, location=location, text=text, source=source)


def _xsd_findings(schema: etree.XMLSchema, tree: etree._ElementTree) -> list[Finding]:
    if schema.validate(tree):
        return []
    return [_finding("XSD", "fatal", f"line {error.line}", error.message, "UBL 2.1 XSD") for error in schema.error_log]


def _svrl_findings(svrl: str, source: str) -> list[Finding]:
    root = etree.fromstring(svrl.encode("utf-8"))
    findings = []
    for element in root.iter(f"{{{NS_SVRL}}}failed-assert", f"{{{NS_SVRL}}}successful-report"):
        flag = (element.get("flag") or "fatal").lower()
        severity: Severity = "warning" if flag in ("warning", "information") else "fatal"
        text = " ".join("".join(element.findtext(f"{{{NS_SVRL}}}text") or "").split())
        rule_id = element.get("id") or "SCHEMATRON"
        findings.append(_finding(rule_id, severity, short_location(element.get("location") or ""), text, source))
    return findings


def validate(xml: bytes) -> list[Finding]:
    """Every finding for ``xml`` (see ``core.billing.documents.validate``)."""
    try:
        tree = etree.ElementTree(etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True)))
    except etree.XMLSyntaxError as error:
        return [_finding("XML", "fatal", f"line {error.lineno}", str(error), "XML")]
    if tree.docinfo.doctype:
        # UBL has no DTD; a DOCTYPE could only bring entities in (XXE): refuse before any processor reads it.
        return [_finding("XML", "fatal", "line 1", "A document type declaration (DOCTYPE) is not allowed", "XML")]
    root_name = str(tree.getroot().tag)
    with _lock:
        compiled = _get()
        schema = compiled.schemas.get(root_name)
        if schema is None:
            return [_finding("XSD", "fatal", "/", f"Root element {root_name} is neither a UBL 2.1 Invoice nor a CreditNote", "UBL 2.1 XSD")]
        findings = _xsd_findings(schema, tree)
        try:
            # The tree lxml parsed, re-serialised: whatever the input's encoding, Saxon reads the same document.
            node = compiled.processor.parse_xml(xml_text=etree.tostring(tree, encoding="unicode"))
            for source, executable in compiled.rule_sets:
                findings.extend(_svrl_findings(executable.transform_to_string(xdm_node=node), source))
        except Exception as error:  # a rule set that cannot run must block sending, not pass silently
            findings.append(_finding("VALIDATION-ERROR", "fatal", "/", str(error), "Saxon"))
    return findings
