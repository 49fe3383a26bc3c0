"""Fill the Danish catalogue from the extracted template (run by `make translations`).

Keeps the Danish texts of core next to their English message ids in one
reviewable place; `make translations` extracts, merges these and compiles.
"""
from __future__ import annotations

import sys

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

DANISH = {
    "Failed background jobs: %(count)s": "Fejlede baggrundsjob: %(count)s",
    "This field is required.": "Feltet skal udfyldes.",
    "This field may not be empty.": "Feltet må ikke være tomt.",
    "The value is not valid.": "Værdien er ikke gyldig.",
    "Enter text.": "Skriv en tekst.",
    "Enter a whole number.": "Skriv et helt tal.",
    "Enter a number.": "Skriv et tal.",
    "Choose yes or no.": "Vælg ja eller nej.",
    "Enter a date as YYYY-MM-DD.": "Skriv en dato som ÅÅÅÅ-MM-DD.",
    "Enter a date and time.": "Skriv en dato og et tidspunkt.",
    "Enter a valid e-mail address.": "Skriv en gyldig e-mailadresse.",
    "Enter a valid web address.": "Skriv en gyldig webadresse.",
    "Enter a list.": "Angiv en liste.",
    "Enter at least {min} characters.": "Skriv mindst {min} tegn.",
    "Enter at most {max} characters.": "Skriv højst {max} tegn.",
    "Enter between {min} and {max} characters.": "Skriv mellem {min} og {max} tegn.",
    "Enter exactly {equal} characters.": "Skriv præcis {equal} tegn.",
    "Enter {min} or more.": "Angiv {min} eller mere.",
    "Enter {max} or less.": "Angiv {max} eller mindre.",
    "Enter a value from {min} to {max}.": "Angiv en værdi fra {min} til {max}.",
    "Enter more than {min}.": "Angiv mere end {min}.",
    "Enter less than {max}.": "Angiv mindre end {max}.",
    "Choose one of the options.": "Vælg en af mulighederne.",
    "The value has the wrong format.": "Værdien har et forkert format.",
    "Samvirke": "Samvirke",
    "Skip to content": "Gå til sidens indhold",
    "Sign out": "Log ud",
    "Sign in": "Log ind",
    "Partnerships between municipalities and civil society": "Partnerskaber mellem kommuner og civilsamfund",
    "Main menu": "Hovedmenu",
    "Samvirke: a platform for partnerships between municipalities and civil-society organisations.":
        "Samvirke: en platform for partnerskaber mellem kommuner og civilsamfundets organisationer.",
    "Failed background jobs": "Fejlede baggrundsjob",
    "Job": "Job",
    "Tenant": "Kommune",
    "Finished": "Afsluttet",
    "Attempts": "Forsøg",
    "Error": "Fejl",
    "No failed jobs.": "Ingen fejlede job.",
    "Development sign-in": "Udviklingslogin",
    "Demo user": "Demobruger",
    "Page not found": "Siden findes ikke",
    "Access denied": "Adgang nægtet",
    "Sign-in required": "Du skal logge ind",
    "Something went wrong": "Noget gik galt",
    "Error code": "Fejlkode",
    "Go to the front page": "Gå til forsiden",
    "Please correct the following": "Ret venligst følgende",
    "optional": "valgfrit",
    "Error:": "Fejl:",
    "Choose": "Vælg",
    "Municipalities and civil-society organisations run the social programmes they agree on together. Choose your municipality.":
        "Kommuner og civilsamfundets organisationer driver de sociale indsatser, de aftaler sammen. Vælg din kommune.",
    "Municipalities": "Kommuner",
    "Municipality code": "Kommunekode",
    "not installed": "ikke installeret",
    "No programmes yet.": "Ingen indsatser endnu.",
    "No municipalities yet. Run `samvirke tenants sync`.": "Ingen kommuner endnu. Kør `samvirke tenants sync`.",
    "Programmes": "Indsatser",
    "No programmes are enabled for this municipality.": "Ingen indsatser er slået til for denne kommune.",
    "Overview": "Overblik",
    "Name": "Navn",
    "Access": "Adgang",
    "Read": "Læse",
    "Read and write": "Læse og skrive",
    "Sign in as administrator or national coordinator": "Log ind som administrator eller national koordinator",
    "Development environment: demo data and a development identity provider without passwords.":
        "Udviklingsmiljø: demodata og en udviklings-identitetsudbyder uden adgangskoder.",
    "Audit trail": "Adgangslog",
    "Who looked at a person's data, when, and why.": "Hvem har set en persons oplysninger, hvornår og hvorfor.",
    "Person reference": "Personreference",
    "For example example.member:12": "For eksempel example.member:12",
    "Show": "Vis",
    "Export as CSV": "Eksportér som CSV",
    "Time (UTC)": "Tidspunkt (UTC)",
    "Who": "Hvem",
    "Action": "Handling",
    "Purpose": "Formål",
    "No entries.": "Ingen registreringer.",
    "API clients": "API-klienter",
    "Client created": "Klienten er oprettet",
    "Client id": "Klient-id",
    "Secret (shown only now)": "Hemmelighed (vises kun nu)",
    "Token endpoint": "Token-endpoint",
    "Last used": "Senest brugt",
    "Status": "Status",
    "Actions": "Handlinger",
    "Never": "Aldrig",
    "Revoked": "Tilbagekaldt",
    "Active": "Aktiv",
    "Revoke": "Tilbagekald",
    "No API clients yet.": "Ingen API-klienter endnu.",
    "New API client": "Ny API-klient",
    "Create": "Opret",
    "This identity provider is for development and demonstration only. Choose a demo user; no password is needed. It is switched off in production.":
        "Denne identitetsudbyder er kun til udvikling og demonstration. Vælg en demobruger; der kræves ingen adgangskode. Den er slået fra i drift.",
    "Sign-in request refused": "Login-anmodningen blev afvist",
    "You are signed out": "Du er logget ud",
    "Sign-in failed": "Login mislykkedes",
    "Too many failed attempts. Wait 15 minutes and try again.": "For mange mislykkede forsøg. Vent 15 minutter, og prøv igen.",
    "We could not sign you in. Try again, or contact your administrator if it keeps failing.":
        "Vi kunne ikke logge dig ind. Prøv igen, eller kontakt din administrator, hvis det bliver ved med at fejle.",
    "National overview": "Nationalt overblik",
    "Aggregated figures only: no names, no free text, no individual records.":
        "Kun samlede tal: ingen navne, ingen fritekst, ingen enkeltsager.",
    "No programmes for your organisation yet.": "Ingen indsatser for din organisation endnu.",
    "Municipality": "Kommune",
}


def main(pot: str, po: str, mo: str) -> int:
    with open(pot, "rb") as f:
        catalog = read_po(f, locale="da")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if message.id in DANISH:
            message.string = DANISH[message.id]
        else:
            missing.append(message.id)
    catalog.fuzzy = False
    with open(po, "wb") as f:
        write_po(f, catalog, width=100, omit_header=False)
    with open(mo, "wb") as f:
        write_mo(f, catalog)
    for msgid in missing:
        print(f"no Danish text for: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
