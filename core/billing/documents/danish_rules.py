"""Danish wording of validation findings, for the finance page.

The rules we are most likely to break (our own data: EAN, CVR, buyer reference,
amounts, VAT exemption, bank details) have a Danish sentence of their own; any
other rule gets a Danish wrapper around the rule's own English message, so the
finance staff always see which rule failed and why.
"""

from __future__ import annotations

# Rule id -> what is wrong, in Danish (the rule id is added in front).
RULES_DA: dict[str, str] = {
    # Document level
    "BR-01": "Dokumentet mangler specifikations-id (CustomizationID).",
    "BR-02": "Fakturaen mangler et fakturanummer.",
    "BR-03": "Fakturaen mangler en udstedelsesdato.",
    "BR-04": "Fakturaen mangler en fakturatypekode.",
    "BR-05": "Fakturaen mangler en valutakode.",
    "BR-06": "Fakturaen mangler leverandørens navn.",
    "BR-07": "Fakturaen mangler køberens navn.",
    "BR-08": "Fakturaen mangler leverandørens postadresse.",
    "BR-09": "Leverandørens adresse mangler en landekode.",
    "BR-10": "Fakturaen mangler køberens postadresse.",
    "BR-11": "Køberens adresse mangler en landekode.",
    "BR-12": "Fakturaen mangler summen af linjebeløbene.",
    "BR-13": "Fakturaen mangler totalbeløbet uden moms.",
    "BR-14": "Fakturaen mangler totalbeløbet med moms.",
    "BR-15": "Fakturaen mangler beløbet til betaling.",
    "BR-16": "Fakturaen skal have mindst én fakturalinje.",
    "BR-21": "En fakturalinje mangler et linjenummer.",
    "BR-22": "En fakturalinje mangler en mængde.",
    "BR-23": "En fakturalinje mangler en enhedskode.",
    "BR-24": "En fakturalinje mangler et linjebeløb.",
    "BR-25": "En fakturalinje mangler en varebetegnelse.",
    "BR-26": "En fakturalinje mangler en nettopris.",
    "BR-27": "En fakturalinjes nettopris må ikke være negativ.",
    "BR-29": "Fakturaperiodens slutdato ligger før startdatoen.",
    "BR-30": "En fakturalinjes periode slutter før den begynder.",
    "BR-55": "Kreditnotaen henviser til en faktura uden at angive fakturanummeret.",
    "BR-61": "Betalingsmåden kræver et kontonummer, som mangler.",
    "BR-62": "Leverandørens elektroniske adresse (endpoint) mangler et scheme-id.",
    "BR-63": "Køberens elektroniske adresse (EAN) mangler et scheme-id.",
    # Calculations
    "BR-CO-10": "Summen af linjebeløbene stemmer ikke med fakturalinjerne.",
    "BR-CO-13": "Totalbeløbet uden moms stemmer ikke med summen af linjerne.",
    "BR-CO-14": "Det samlede momsbeløb stemmer ikke med momsspecifikationen.",
    "BR-CO-15": "Totalbeløbet med moms er ikke totalbeløbet uden moms plus moms.",
    "BR-CO-16": "Beløbet til betaling stemmer ikke med totalbeløbet.",
    "BR-CO-17": "Momsbeløbet stemmer ikke med momsgrundlag gange momssats.",
    "BR-CO-18": "Fakturaen mangler en momsspecifikation.",
    "BR-CO-25": "Et positivt beløb til betaling kræver en forfaldsdato eller betalingsbetingelser.",
    "BR-CO-26": "Leverandøren skal identificeres med CVR-nummer, momsnummer eller anden identifikation.",
    # VAT category E (exempt)
    "BR-E-01": "En momsfritaget faktura skal have præcis én momsspecifikation med kategori E (fritaget).",
    "BR-E-02": "En momsfritaget faktura skal angive leverandørens moms- eller skatteregistrering.",
    "BR-E-05": "Momssatsen på en momsfritaget fakturalinje skal være 0 %.",
    "BR-E-08": "Momsgrundlaget for kategori E (fritaget) stemmer ikke med linjebeløbene.",
    "BR-E-09": "Momsbeløbet for kategori E (fritaget) skal være 0.",
    "BR-E-10": "Momsfritagelsen mangler en begrundelse (fritagelseskode eller -tekst, fx VATEX-EU-132-1G).",
    # Code lists
    "BR-CL-01": "Dokumenttypekoden er ikke en gyldig faktura- eller kreditnotakode.",
    "BR-CL-03": "En valutakode er ikke en gyldig ISO 4217-kode.",
    "BR-CL-04": "Fakturaens valutakode er ikke en gyldig ISO 4217-kode.",
    "BR-CL-10": "Et identifikations-scheme er ikke på ISO 6523-listen.",
    "BR-CL-11": "Et registrerings-scheme (fx for CVR-nummer) er ikke på ISO 6523-listen.",
    "BR-CL-14": "En landekode er ikke en gyldig ISO 3166-1-kode.",
    "BR-CL-16": "Betalingsmåden er ikke en gyldig UNCL4461-kode.",
    "BR-CL-17": "Momskategorien er ikke en gyldig UNCL5305-kode.",
    "BR-CL-18": "Momskategorien er ikke en gyldig UNCL5305-kode.",
    "BR-CL-22": "Momsfritagelseskoden er ikke på VATEX-listen.",
    "BR-CL-23": "Enhedskoden er ikke på UN/ECE-anbefaling 20's liste.",
    "BR-CL-25": "Den elektroniske adresses scheme-id er ikke på EAS-listen.",
    # PEPPOL BIS 3
    "PEPPOL-EN16931-R001": "Dokumentet mangler forretningsprocessen (ProfileID).",
    "PEPPOL-EN16931-R002": "Der må kun være én bemærkning (Note) på dokumentet.",
    "PEPPOL-EN16931-R003": "Køberens reference (BuyerReference) eller et ordrenummer mangler; offentlige købere kræver den.",
    "PEPPOL-EN16931-R004": "Specifikations-id'et er ikke Peppol BIS Billing 3.0.",
    "PEPPOL-EN16931-R007": "Forretningsprocessen (ProfileID) har ikke det rigtige format.",
    "PEPPOL-EN16931-R008": "Dokumentet indeholder et tomt felt.",
    "PEPPOL-EN16931-R010": "Køberens elektroniske adresse (EAN-nummer) mangler.",
    "PEPPOL-EN16931-R020": "Leverandørens elektroniske adresse mangler.",
    "PEPPOL-EN16931-R051": "Alle beløb skal være i fakturaens valuta.",
    "PEPPOL-EN16931-R053": "Der skal være præcis én momstotal med specifikation.",
    "PEPPOL-EN16931-R110": "En fakturalinjes periode begynder uden for fakturaperioden.",
    "PEPPOL-EN16931-R111": "En fakturalinjes periode slutter uden for fakturaperioden.",
    "PEPPOL-EN16931-R120": "Et linjebeløb er ikke mængde gange pris.",
    "PEPPOL-EN16931-R121": "Prisens basismængde skal være større end nul.",
    "PEPPOL-EN16931-P0100": "Fakturatypekoden er ikke tilladt i Peppol-fakturaprocessen.",
    "PEPPOL-EN16931-P0101": "Kreditnotatypekoden er ikke tilladt i Peppol-fakturaprocessen.",
    "PEPPOL-EN16931-CL007": "Valutakoden er ikke en gyldig ISO 4217-kode.",
    "PEPPOL-EN16931-CL008": "Den elektroniske adresses scheme-id er ikke på Peppols liste (brug 0088 for EAN, 0184 for CVR).",
    "PEPPOL-COMMON-R040": "EAN/GLN-nummeret er ugyldigt (13 cifre med korrekt GS1-kontrolciffer).",
    "PEPPOL-COMMON-R042": "CVR-nummeret har ikke det rigtige format (8 cifre); et EAN-nummer skal have scheme 0088, ikke 0184.",
    # Danish national rules
    "DK-R-002": "Danske leverandører skal angive deres CVR-nummer (juridisk enhed).",
    "DK-R-003": "Varenummerklassifikation skal bruge UNSPSC version 19.05.01 eller 26.08.01.",
    "DK-R-004": "Andre afgifter end moms er ikke angivet efter de danske regler.",
    "DK-R-005": "Betalingsmåden er ikke tilladt for danske leverandører (tilladt: 1, 10, 31, 42, 48, 49, 50, 58, 59, 93, 97).",
    "DK-R-006": "Ved bankoverførsel (kode 31 eller 42) skal både registreringsnummer og kontonummer angives.",
    "DK-R-013": "Et identifikationsnummer for køber eller leverandør mangler scheme-id.",
    "DK-R-014": "Leverandørens CVR-nummer skal have scheme-id 0184.",
    "DK-R-016": "En kreditnota fra en dansk leverandør må ikke have et negativt beløb.",
    # Our own checks
    "XSD": "Dokumentet overholder ikke OASIS UBL 2.1-skemaet.",
    "XML": "Dokumentet er ikke gyldig XML.",
    "VALIDATION-ERROR": "Valideringen kunne ikke gennemføres; dokumentet må ikke sendes.",
}


def danish_text(rule_id: str, text: str, source: str) -> str:
    """``Regel BR-CO-13 (EN 16931): <what is wrong>`` in Danish; a wrapper for untranslated rules."""
    known = RULES_DA.get(rule_id)
    if known:
        return f"Regel {rule_id} ({source}): {known}"
    return f"Regel {rule_id} ({source}) er ikke opfyldt. Regelens tekst (engelsk): {text}"
