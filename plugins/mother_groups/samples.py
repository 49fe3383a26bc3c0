"""Sample rows for the test kit (``samvirke_sample_rows``): one of each kind the programme's URLs name."""

from __future__ import annotations

from datetime import date, time

from core.programme import SampleRows, db
from plugins.mother_groups import models as mg
from plugins.mother_groups.services import create_mother, enrol


def sample_rows(marker: str) -> SampleRows:
    """A running course with a session, a mother enrolled with her consent and referral, and a milestone."""
    course = mg.Course(name=f"Forløb {marker}", start_date=date(2026, 1, 6), end_date=date(2026, 10, 20), status="running")
    milestone = mg.Milestone(title=f"Politisk proces {marker}", due_on=date(2025, 6, 30))
    db.session.add_all([course, milestone])
    db.session.flush()
    meeting = mg.CourseSession(course_id=course.id, date=date(2026, 1, 6), start_time=time(10, 0))
    mother = create_mother({"name": f"Mor {marker}"}, "test")
    enrolment = enrol(course, mother, date(2026, 1, 6))
    referral = mg.Referral(mother_id=mother.id, referred_by=f"Sundhedsplejerske {marker}", referred_on=date(2026, 1, 1))
    db.session.add_all([meeting, referral])
    db.session.flush()
    return SampleRows(
        ids={
            "course_id": course.id,
            "session_id": meeting.id,
            "mother_id": mother.id,
            "enrolment_id": enrolment.id,
            "referral_id": referral.id,
            "milestone_id": milestone.id,
            "consent_id": mother.consents[0].id,
        },
        narrowed={
            # A health visitor sees the referrals she made; these rows are nobody's own.
            "/referrals/<int:referral_id>": frozenset({"municipal_staff"}),
            # A volunteer registers attendance only on her own course's sessions.
            "/sessions/<int:session_id>/attendance": frozenset({"volunteer"}),
        },
    )
