"""The export for the external evaluator of Ny mor i Danmark: one row per participation, pseudonymised, k-anonymous.

What leaves the platform, and why it is safe to hand over:

- **Only participants whose consent covers evaluation** (``EVALUATION_SCOPE``,
  given and not withdrawn), not anonymised, who joined a course.
- **No direct identifiers**: no name, CPR, phone, languages, free text
  (leave reasons, notes), no course name or place; not her background either
  (ethnic origin: the evaluation is of the programme, not of her; data
  minimisation, GDPR art. 5(1)(c)).
- **Keyed pseudonyms that differ per export**: HMAC-SHA256 of the mother's
  id under a random key made for this export and never stored or logged, so
  two exports cannot be linked to each other, nor an export to the
  platform's ids; within one export a mother on two courses has one
  pseudonym. No course pseudonym: a course holds 6-8 mothers, so it would
  split the k-anonymous groups again.
- **Quasi-identifiers generalised until every combination holds at least
  k participants** (``K``, never below the deployment's disclosure
  threshold): age band (from the CPR's birth date at joining, when there is
  one), housing area, month of joining and of the course's start. The levels
  of ``LEVELS`` are tried from the finest; the first at which at most
  ``MAX_SUPPRESSED`` of the rows belong to combinations of fewer than k is
  used, and those rows are left out (never released in too small a group).
  ``k_anonymous`` checks the result again before anything is written.
- **Audited**: who, when, the number of rows and a digest of the pseudonym
  set (so a delivered file can be matched to its record), and one trail row
  per mother whose data left (``core.audit``: her own trail says so); never a
  pseudonym's link to her, never her data.

Who may run it: the running organisation's own staff (``partner_staff`` of
an organisation party to the agreement covering the programme here, the
controller that collected the consent). Not the municipality, not platform
administrators, not national coordinators (they see aggregates only, in no
tenant): least privilege, GDPR art. 5(1)(f) and 25.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext
from sqlalchemy import and_, case, exists, func, select

from core.programme import N_, PageBlueprint, db, record, safe_row
from core.programme import roles as R
from plugins.mother_groups.models import (
    Attendance,
    Consent,
    Course,
    CourseSession,
    Enrolment,
    HousingArea,
    Mother,
    Referral,
    SessionActivity,
)
from plugins.mother_groups.services import EVALUATION_CONSENT_SCOPE

log = logging.getLogger(__name__)

# The consent a mother gives to take part in the external evaluation (besides taking part in the group).
EVALUATION_SCOPE = EVALUATION_CONSENT_SCOPE
K = 5
MAX_SUPPRESSED = 0.05  # at most this share of rows left out before the next, coarser level is tried
WHO = [R.PARTNER_STAFF]  # see the module's docstring: the running organisation's staff only
FORMATS = ("csv", "xlsx")

bp = PageBlueprint("mother_groups_evaluation", __name__)

UNKNOWN = "ukendt"
ALL = "alle"


# --- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    """One mother on one course, as read: identifiers only to pseudonymise and to band, never exported."""

    mother_id: int
    course_id: int
    cpr: str | None
    area: str | None
    area_vulnerable: bool | None
    joined_on: date
    left_on: date | None
    course_start: date
    course_status: str
    referral_source: str | None
    present: int
    absent: int
    excused: int
    visited: bool


def consent_covers_evaluation(on: date) -> Any:
    """SQL: the mother has a consent to evaluation, given by ``on`` and not withdrawn."""
    return exists(
        select(Consent.id).where(
            Consent.tenant_id == Mother.tenant_id,
            Consent.mother_id == Mother.id,
            Consent.scope == EVALUATION_SCOPE,
            Consent.given_on <= on,
            Consent.withdrawn_on.is_(None),
        )
    )


def participations(today: date) -> list[Participation]:
    """The participations to export, in the tenant in context: one statement."""
    counts = (
        select(
            Attendance.enrolment_id.label("e"),
            func.coalesce(func.sum(case((Attendance.status == "present", 1), else_=0)), 0).label("present"),
            func.coalesce(func.sum(case((Attendance.status == "absent", 1), else_=0)), 0).label("absent"),
            func.coalesce(func.sum(case((Attendance.status == "excused", 1), else_=0)), 0).label("excused"),
        )
        .join(CourseSession, and_(CourseSession.tenant_id == Attendance.tenant_id, CourseSession.id == Attendance.session_id))
        .where(CourseSession.status == "held")
        .group_by(Attendance.enrolment_id)
        .subquery("counts")
    )
    visited = (
        select(CourseSession.course_id.label("c"))
        .join(SessionActivity, and_(SessionActivity.tenant_id == CourseSession.tenant_id, SessionActivity.session_id == CourseSession.id))
        .where(CourseSession.status == "held", SessionActivity.activity == "health_visitor_visit")
        .distinct()
        .subquery("visited")
    )
    first_referral = (
        select(Referral.mother_id.label("m"), func.min(Referral.id).label("r")).group_by(Referral.mother_id).subquery("first_referral")
    )
    query = (
        select(
            Mother.id,
            Course.id,
            Mother.cpr,
            HousingArea.name,
            HousingArea.vulnerable,
            Enrolment.joined_on,
            Enrolment.left_on,
            Course.start_date,
            Course.status,
            Referral.source,
            func.coalesce(counts.c.present, 0),
            func.coalesce(counts.c.absent, 0),
            func.coalesce(counts.c.excused, 0),
            visited.c.c.is_not(None),
        )
        .select_from(Enrolment)
        .join(Mother, and_(Mother.tenant_id == Enrolment.tenant_id, Mother.id == Enrolment.mother_id))
        .join(Course, and_(Course.tenant_id == Enrolment.tenant_id, Course.id == Enrolment.course_id))
        .outerjoin(HousingArea, and_(HousingArea.tenant_id == Mother.tenant_id, HousingArea.id == Mother.housing_area_id))
        .outerjoin(counts, counts.c.e == Enrolment.id)
        .outerjoin(visited, visited.c.c == Course.id)
        .outerjoin(first_referral, first_referral.c.m == Mother.id)
        .outerjoin(Referral, and_(Referral.tenant_id == Mother.tenant_id, Referral.id == first_referral.c.r))
        .where(Enrolment.joined_on.is_not(None), Mother.anonymised_at.is_(None), consent_covers_evaluation(today))
        .order_by(Mother.id, Course.id)
    )
    return [Participation(*tuple(row)) for row in db.session.execute(query).all()]


# --- Generalisation -------------------------------------------------------------------------


def birth_date(cpr: str | None) -> date | None:
    """Her birth date from a valid CPR number (date and century only); None without one."""
    if not cpr:
        return None
    from stdnum.dk import cpr as stdnum_cpr

    try:
        return stdnum_cpr.get_birth_date(cpr)
    except Exception:  # an invalid stored number: no age rather than a wrong one
        return None


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int | None, width: int) -> str:
    """ "25-29" (5 years), "20-29" (10 years), "alle" (0: no band); under 20 and 40 or more at the ends."""
    if age is None:
        return UNKNOWN
    if width == 0:
        return ALL
    if age < 20:
        return "under 20"
    if age >= 40:
        return "40+"
    low = age - age % width if width == 10 else 20 + (age - 20) // width * width
    return f"{low}-{low + width - 1}"


def period(day: date, level: str) -> str:
    """A date as its month ("2024-03"), quarter ("2024-K1"), half ("2024-H1") or year ("2024")."""
    if level == "month":
        return f"{day.year}-{day.month:02d}"
    if level == "quarter":
        return f"{day.year}-K{(day.month - 1) // 3 + 1}"
    if level == "half":
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return str(day.year)


def area(p: Participation, level: str) -> str:
    """The housing area's name, whether it is a vulnerable area, or nothing."""
    if level == "all":
        return ALL
    if p.area is None:
        return UNKNOWN
    if level == "name":
        return p.area
    return "udsat boligområde" if p.area_vulnerable else "andet boligområde"


@dataclass(frozen=True)
class Level:
    age_width: int  # 5, 10 or 0 (no band)
    area: str  # name | kind | all
    dates: str  # month | quarter | half | year


# From the finest to the coarsest; the first that leaves at most MAX_SUPPRESSED out is used.
LEVELS = (
    Level(5, "name", "month"),
    Level(5, "name", "quarter"),
    Level(10, "name", "quarter"),
    Level(10, "kind", "quarter"),
    Level(10, "kind", "half"),
    Level(10, "kind", "year"),
    Level(0, "kind", "year"),
    Level(0, "all", "year"),
)
QUASI_IDENTIFIERS = ("age_band", "housing_area", "joined", "course_started")


def quasi_identifiers(p: Participation, level: Level) -> tuple[str, ...]:
    return (
        age_band(age_on(birth_date(p.cpr), p.joined_on), level.age_width),
        area(p, level.area),
        period(p.joined_on, level.dates),
        period(p.course_start, level.dates),
    )


def small_classes(keys: Sequence[tuple[str, ...]], mothers: Sequence[int], k: int) -> set[tuple[str, ...]]:
    """Combinations of quasi-identifiers held by fewer than ``k`` distinct participants."""
    holders: dict[tuple[str, ...], set[int]] = {}
    for key, mother in zip(keys, mothers, strict=True):
        holders.setdefault(key, set()).add(mother)
    return {key for key, who in holders.items() if len(who) < k}


def k_anonymous(rows: Iterable[dict[str, Any]], k: int) -> bool:
    """Every combination of the quasi-identifiers in the rows is held by at least ``k`` pseudonyms."""
    holders: dict[tuple[Any, ...], set[str]] = {}
    for row in rows:
        holders.setdefault(tuple(row[q] for q in QUASI_IDENTIFIERS), set()).add(row["participant"])
    return all(len(who) >= k for who in holders.values())


@dataclass
class Generalised:
    level: Level
    level_index: int
    kept: list[tuple[Participation, tuple[str, ...]]]
    suppressed: int


def generalise(found: Sequence[Participation], k: int) -> Generalised:
    """The finest level at which few enough rows fall in too small combinations, those rows left out."""
    mothers = [p.mother_id for p in found]
    for index, level in enumerate(LEVELS):
        keys = [quasi_identifiers(p, level) for p in found]
        small = small_classes(keys, mothers, k)
        out = sum(1 for key in keys if key in small)
        if out <= MAX_SUPPRESSED * len(found) or index == len(LEVELS) - 1:
            kept = [(p, key) for p, key in zip(found, keys, strict=True) if key not in small]
            return Generalised(level, index, kept, out)
    raise AssertionError("not reached")  # pragma: no cover


# --- The export -----------------------------------------------------------------------------


COLUMNS: list[tuple[str, Any]] = [
    ("participant", N_("Participant (pseudonym)")),
    ("age_band", N_("Age band at joining")),
    ("housing_area", N_("Housing area")),
    ("joined", N_("Joined")),
    ("course_started", N_("Course started")),
    ("outcome", N_("Outcome")),
    ("referral_source", N_("Referred by")),
    ("sessions_present", N_("Sessions present")),
    ("sessions_absent", N_("Sessions absent")),
    ("sessions_excused", N_("Sessions excused")),
    ("attendance_pct", N_("Attendance (%)")),
    ("health_visitor_visit", N_("Course had a health-visitor visit")),
]


def pseudonymiser(key: bytes) -> Callable[[str], str]:
    def pseudonym(value: str) -> str:
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:20]

    return pseudonym


def _outcome(p: Participation) -> str:
    if p.left_on is not None:
        return "stoppet"
    return "gennemført" if p.course_status == "completed" else "i gang"


@dataclass
class EvaluationExport:
    rows: list[dict[str, Any]]
    k: int
    level_index: int
    suppressed: int
    considered: int

    def digest(self) -> str:
        """A digest of the set of participant pseudonyms (for the audit trail: matches a delivered file)."""
        joined = "\n".join(sorted({r["participant"] for r in self.rows}))
        return hashlib.sha256(joined.encode()).hexdigest()[:16]


def threshold() -> int:
    return max(K, int(current_app.config.get("DISCLOSURE_THRESHOLD", K)))


def make_export(today: date, *, key: bytes | None = None, k: int | None = None) -> tuple[EvaluationExport, list[int]]:
    """The rows (and the mothers behind them, for the audit trail only); the key is this call's alone."""
    k = k or threshold()
    found = participations(today)
    generalised = generalise(found, k)
    pseudonym = pseudonymiser(key or secrets.token_bytes(32))  # never stored, never logged
    rows = []
    for p, (band, where, joined, started) in generalised.kept:
        recorded = p.present + p.absent + p.excused
        rows.append(
            {
                "participant": pseudonym(f"mother:{p.mother_id}"),
                "age_band": band,
                "housing_area": where,
                "joined": joined,
                "course_started": started,
                "outcome": _outcome(p),
                "referral_source": p.referral_source or UNKNOWN,
                "sessions_present": p.present,
                "sessions_absent": p.absent,
                "sessions_excused": p.excused,
                "attendance_pct": round(100 * p.present / recorded, 1) if recorded else None,
                "health_visitor_visit": "ja" if p.visited else "nej",
            }
        )
    result = EvaluationExport(rows, k, generalised.level_index, generalised.suppressed, len(found))
    if rows and not k_anonymous(rows, k):  # checked again on what is written, whatever the steps before did
        raise AssertionError("the evaluation export is not k-anonymous")
    return result, sorted({p.mother_id for p, _ in generalised.kept})


def note(export: EvaluationExport) -> str:
    return gettext(
        "Pseudonymised for external evaluation: every combination of age band, housing area and months holds at least "
        "%(k)s participants; %(suppressed)s rows in smaller combinations are left out. Pseudonyms differ in every export.",
        k=export.k,
        suppressed=export.suppressed,
    )


def render_csv(export: EvaluationExport) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row([note(export)]))
    writer.writerow(safe_row([str(heading) for _, heading in COLUMNS]))
    for row in export.rows:
        writer.writerow(safe_row(_csv_cell(row[key]) for key, _ in COLUMNS))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


def render_xlsx(export: EvaluationExport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet: Any = book.active
    sheet.title = gettext("Evaluation")
    sheet.append([note(export)])
    sheet.append([str(heading) for _, heading in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for values in export.rows:
        sheet.append([values[key] for key, _ in COLUMNS])
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, never a formula
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_file(fmt: str, today: date, *, actor: str | None = None) -> tuple[bytes, EvaluationExport]:
    """Make the file and record it in the audit trail (who, when, how many, which set): what the page and the CLI call."""
    export, mothers = make_export(today)
    content = render_csv(export) if fmt == "csv" else render_xlsx(export)
    record(
        "export",
        subjects=[f"mother_groups.mother:{m}" for m in mothers] or None,
        criterion=f"evaluation export ({fmt}): {len(export.rows)} rows, pseudonym set {export.digest()}",
        purpose="external evaluation of Ny mor i Danmark",
        actor=actor,
    )
    log.info("evaluation export: %s rows, %s left out, level %s", len(export.rows), export.suppressed, export.level_index)
    return content, export


# --- The page -------------------------------------------------------------------------------


def _eligible(today: date) -> int:
    return int(
        db.session.scalar(
            select(func.count(func.distinct(Enrolment.mother_id)))
            .join(Mother, and_(Mother.tenant_id == Enrolment.tenant_id, Mother.id == Enrolment.mother_id))
            .where(Enrolment.joined_on.is_not(None), Mother.anonymised_at.is_(None), consent_covers_evaluation(today))
        )
        or 0
    )


@bp.route("/evaluation", methods=["GET", "POST"], roles=WHO)
def page():
    from core.programme import copenhagen_today

    today = copenhagen_today()
    if request.method == "POST":
        fmt = request.form.get("format", "")
        if fmt not in FORMATS:
            abort(400, description=gettext("Choose one of the file formats."))
        content, _export = export_file(fmt, today)
        mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = f"evaluering-ny-mor-i-danmark-{today.isoformat()}.{fmt}"
        return Response(
            content,
            mimetype=mimetype,
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
        )
    return render_template(
        "mother_groups/evaluation.html",
        eligible=_eligible(today),
        k=threshold(),
        scope=EVALUATION_SCOPE,
        columns=[str(h) for _, h in COLUMNS],
        max_suppressed=round(MAX_SUPPRESSED * 100),
    )
