"""What a failed e-invoice rule means, for the finance page (and the CLI), in the viewer's language.

The rules we are most likely to break (our own data: EAN, CVR, buyer reference,
amounts, VAT exemption, bank details) have a sentence of their own, an English
message id with its Danish in core's catalogue; any other rule is named with the
rule's own English message, so the finance staff always see which rule failed
and why.
"""

from __future__ import annotations

from flask_babel import gettext

from core.schemas import N_

# Rule id -> what is wrong (the rule id is added in front).
RULES: dict[str, str] = {
    # Document level
    "BR-01": N_("The document lacks its specification identifier (CustomizationID)."),
    "BR-02": N_("The invoice lacks an invoice number."),
    "BR-03": N_("The invoice lacks an issue date."),
    "BR-04": N_("The invoice lacks an invoice type code."),
    "BR-05": N_("The invoice lacks a currency code."),
    "BR-06": N_("The invoice lacks the supplier's name."),
    "BR-07": N_("The invoice lacks the buyer's name."),
    "BR-08": N_("The invoice lacks the supplier's postal address."),
    "BR-09": N_("The supplier's address lacks a country code."),
    "BR-10": N_("The invoice lacks the buyer's postal address."),
    "BR-11": N_("The buyer's address lacks a country code."),
    "BR-12": N_("The invoice lacks the sum of the line amounts."),
    "BR-13": N_("The invoice lacks the total amount without VAT."),
    "BR-14": N_("The invoice lacks the total amount with VAT."),
    "BR-15": N_("The invoice lacks the amount due for payment."),
    "BR-16": N_("The invoice must have at least one invoice line."),
    "BR-21": N_("An invoice line lacks a line number."),
    "BR-22": N_("An invoice line lacks a quantity."),
    "BR-23": N_("An invoice line lacks a unit code."),
    "BR-24": N_("An invoice line lacks a line amount."),
    "BR-25": N_("An invoice line lacks an item name."),
    "BR-26": N_("An invoice line lacks a net price."),
    "BR-27": N_("An invoice line's net price must not be negative."),
    "BR-29": N_("The invoice period's end date is before its start date."),
    "BR-30": N_("An invoice line's period ends before it begins."),
    "BR-55": N_("The credit note refers to an invoice without giving the invoice number."),
    "BR-61": N_("The payment means requires an account number, which is missing."),
    "BR-62": N_("The supplier's electronic address (endpoint) lacks a scheme id."),
    "BR-63": N_("The buyer's electronic address (EAN) lacks a scheme id."),
    # Calculations
    "BR-CO-10": N_("The sum of the line amounts does not match the invoice lines."),
    "BR-CO-13": N_("The total amount without VAT does not match the sum of the lines."),
    "BR-CO-14": N_("The total VAT amount does not match the VAT breakdown."),
    "BR-CO-15": N_("The total amount with VAT is not the total without VAT plus VAT."),
    "BR-CO-16": N_("The amount due for payment does not match the total amount."),
    "BR-CO-17": N_("The VAT amount does not match the taxable amount times the VAT rate."),
    "BR-CO-18": N_("The invoice lacks a VAT breakdown."),
    "BR-CO-25": N_("A positive amount due requires a due date or payment terms."),
    "BR-CO-26": N_("The supplier must be identified by CVR number, VAT number or another identifier."),
    # VAT category E (exempt)
    "BR-E-01": N_("A VAT-exempt invoice must have exactly one VAT breakdown with category E (exempt)."),
    "BR-E-02": N_("A VAT-exempt invoice must give the supplier's VAT or tax registration."),
    "BR-E-05": N_("The VAT rate of a VAT-exempt invoice line must be 0 %."),
    "BR-E-08": N_("The taxable amount for category E (exempt) does not match the line amounts."),
    "BR-E-09": N_("The VAT amount for category E (exempt) must be 0."),
    "BR-E-10": N_("The VAT exemption lacks a reason (an exemption code or text, e.g. VATEX-EU-132-1G)."),
    # Code lists
    "BR-CL-01": N_("The document type code is not a valid invoice or credit note code."),
    "BR-CL-03": N_("A currency code is not a valid ISO 4217 code."),
    "BR-CL-04": N_("The invoice's currency code is not a valid ISO 4217 code."),
    "BR-CL-10": N_("An identification scheme is not on the ISO 6523 list."),
    "BR-CL-11": N_("A registration scheme (e.g. for a CVR number) is not on the ISO 6523 list."),
    "BR-CL-14": N_("A country code is not a valid ISO 3166-1 code."),
    "BR-CL-16": N_("The payment means is not a valid UNCL4461 code."),
    "BR-CL-17": N_("The VAT category is not a valid UNCL5305 code."),
    "BR-CL-18": N_("The VAT category is not a valid UNCL5305 code."),
    "BR-CL-22": N_("The VAT exemption code is not on the VATEX list."),
    "BR-CL-23": N_("The unit code is not on the list of UN/ECE Recommendation 20."),
    "BR-CL-25": N_("The electronic address's scheme id is not on the EAS list."),
    # PEPPOL BIS 3
    "PEPPOL-EN16931-R001": N_("The document lacks its business process (ProfileID)."),
    "PEPPOL-EN16931-R002": N_("The document may have only one note (Note)."),
    "PEPPOL-EN16931-R003": N_("The buyer's reference (BuyerReference) or an order number is missing; public buyers require it."),
    "PEPPOL-EN16931-R004": N_("The specification identifier is not Peppol BIS Billing 3.0."),
    "PEPPOL-EN16931-R007": N_("The business process (ProfileID) is not in the right format."),
    "PEPPOL-EN16931-R008": N_("The document has an empty element."),
    "PEPPOL-EN16931-R010": N_("The buyer's electronic address (EAN number) is missing."),
    "PEPPOL-EN16931-R020": N_("The supplier's electronic address is missing."),
    "PEPPOL-EN16931-R051": N_("All amounts must be in the invoice's currency."),
    "PEPPOL-EN16931-R053": N_("There must be exactly one VAT total with a breakdown."),
    "PEPPOL-EN16931-R110": N_("An invoice line's period begins outside the invoice period."),
    "PEPPOL-EN16931-R111": N_("An invoice line's period ends outside the invoice period."),
    "PEPPOL-EN16931-R120": N_("A line amount is not quantity times price."),
    "PEPPOL-EN16931-R121": N_("The price's base quantity must be more than zero."),
    "PEPPOL-EN16931-P0100": N_("The invoice type code is not allowed in the Peppol billing process."),
    "PEPPOL-EN16931-P0101": N_("The credit note type code is not allowed in the Peppol billing process."),
    "PEPPOL-EN16931-CL007": N_("The currency code is not a valid ISO 4217 code."),
    "PEPPOL-EN16931-CL008": N_("The electronic address's scheme id is not on Peppol's list (use 0088 for EAN, 0184 for CVR)."),
    "PEPPOL-COMMON-R040": N_("The EAN/GLN number is invalid (13 digits with a correct GS1 check digit)."),
    "PEPPOL-COMMON-R042": N_("The CVR number is not in the right format (8 digits); an EAN number must have scheme 0088, not 0184."),
    # Danish national rules
    "DK-R-002": N_("Danish suppliers must give their CVR number (legal entity)."),
    "DK-R-003": N_("Item classification must use UNSPSC version 19.05.01 or 26.08.01."),
    "DK-R-004": N_("Charges other than VAT are not given according to the Danish rules."),
    "DK-R-005": N_("The payment means is not allowed for Danish suppliers (allowed: 1, 10, 31, 42, 48, 49, 50, 58, 59, 93, 97)."),
    "DK-R-006": N_("For a bank transfer (code 31 or 42) both the registration number and the account number must be given."),
    "DK-R-013": N_("An identification number of the buyer or supplier lacks a scheme id."),
    "DK-R-014": N_("The supplier's CVR number must have scheme id 0184."),
    "DK-R-016": N_("A credit note from a Danish supplier must not have a negative amount."),
    # Our own checks
    "XSD": N_("The document does not conform to the OASIS UBL 2.1 schema."),
    "XML": N_("The document is not valid XML."),
    "VALIDATION-ERROR": N_("The validation could not be completed; the document must not be sent."),
}


def explanation(rule_id: str, text: str, source: str) -> str:
    """``Rule BR-CO-13 (EN 16931): <what is wrong>`` (Danish: ``Regel BR-CO-13 (EN 16931): ...``);
    a rule without a sentence of its own is named with its own English ``text``."""
    known = RULES.get(rule_id)
    if known:
        return gettext("Rule %(rule)s (%(source)s): %(what)s", rule=rule_id, source=source, what=str(known))
    return gettext("Rule %(rule)s (%(source)s) is not met. The rule's text (English): %(text)s", rule=rule_id, source=source, text=text)
