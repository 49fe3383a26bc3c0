"""Mother groups ("Ny mor i Danmark"): courses, mothers, sessions, referrals, governance.

Every table is tenant-scoped and prefixed ``mother_groups_``; references
between them include the tenant (composite keys).
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, DateTime, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.programme import EncryptedString, Model, TenantScoped, tenant_many_to_one, tenant_one_to_many, tenant_reference, utcnow

P = "mother_groups_"

COURSE_STATUSES = ("planned", "recruiting", "running", "completed")
BACKGROUNDS = ("refugee", "immigrant")
ENROLMENT_STATUSES = ("enrolled", "waitlisted", "left")
SESSION_STATUSES = ("planned", "held", "cancelled")
ACTIVITY_TYPES = ("language_wellbeing", "early_parenthood", "health_visitor_visit", "other")
ATTENDANCE_STATUSES = ("present", "absent", "excused")
REFERRAL_STATUSES = ("pending", "enrolled", "waitlisted", "declined")
REFERRAL_SOURCES = ("health_visitor", "drc", "housing_social_unit", "other")
MILESTONE_STATUSES = ("open", "in_progress", "done")
EVALUATION_KINDS = ("interview", "focus_group", "survey", "other")


class HousingArea(TenantScoped, Model):
    __tablename__ = P + "housing_areas"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=True)  # udsat boligområde


class Course(TenantScoped, Model):
    __tablename__ = P + "courses"
    __tenant_table_args__ = (tenant_reference("housing_area_id", P + "housing_areas"),)

    name: Mapped[str] = mapped_column(String(120))
    housing_area_id: Mapped[int | None] = mapped_column()
    location: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    weekday: Mapped[int] = mapped_column(default=2)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time, default=time(10, 0))
    capacity_min: Mapped[int] = mapped_column(default=6)
    capacity_max: Mapped[int] = mapped_column(default=8)
    status: Mapped[str] = mapped_column(String(12), default="planned")

    enrolments: Mapped[list[Enrolment]] = tenant_one_to_many(
        "Course", "Enrolment", "course_id", back_populates="course", order_by="Enrolment.id"
    )
    sessions: Mapped[list[CourseSession]] = tenant_one_to_many(
        "Course", "CourseSession", "course_id", back_populates="course", order_by="CourseSession.date"
    )


class Mother(TenantScoped, Model):
    __tablename__ = P + "mothers"
    __tenant_table_args__ = (tenant_reference("housing_area_id", P + "housing_areas"),)

    name: Mapped[str | None] = mapped_column(String(120))  # None once anonymised
    # Optional (many have none yet); validated, encrypted, shown masked, never logged.
    cpr: Mapped[str | None] = mapped_column(EncryptedString)
    phone: Mapped[str | None] = mapped_column(String(30))
    languages: Mapped[str | None] = mapped_column(String(200))
    background: Mapped[str | None] = mapped_column(String(12))  # sensitive (ethnic origin)
    housing_area_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    babies: Mapped[list[Baby]] = tenant_one_to_many(
        "Mother", "Baby", "mother_id", back_populates="mother", cascade="all, delete-orphan", order_by="Baby.id"
    )
    consents: Mapped[list[Consent]] = tenant_one_to_many(
        "Mother", "Consent", "mother_id", back_populates="mother", cascade="all, delete-orphan", order_by="Consent.id"
    )


class Baby(TenantScoped, Model):
    __tablename__ = P + "babies"
    __tenant_table_args__ = (tenant_reference("mother_id", P + "mothers", ondelete="CASCADE"),)

    mother_id: Mapped[int] = mapped_column()
    birth_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)

    mother: Mapped[Mother] = tenant_many_to_one("Baby", "Mother", "mother_id", back_populates="babies")


class Consent(TenantScoped, Model):
    """What she consented to, when, recorded by whom, and when withdrawn."""

    __tablename__ = P + "consents"
    __tenant_table_args__ = (tenant_reference("mother_id", P + "mothers", ondelete="CASCADE"),)

    mother_id: Mapped[int] = mapped_column()
    scope: Mapped[str] = mapped_column(String(200))
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(60))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)

    mother: Mapped[Mother] = tenant_many_to_one("Consent", "Mother", "mother_id", back_populates="consents")


class Enrolment(TenantScoped, Model):
    """A mother on a course (or its wait-list): continuous intake, join and leave dates."""

    __tablename__ = P + "enrolments"
    __tenant_table_args__ = (
        tenant_reference("course_id", P + "courses"),
        tenant_reference("mother_id", P + "mothers", ondelete="CASCADE"),
        UniqueConstraint("course_id", "mother_id"),
        Index("ix_mother_groups_enrolments_tenant_mother", "tenant_id", "mother_id"),  # a mother's page (mg02)
    )

    course_id: Mapped[int] = mapped_column()
    mother_id: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="enrolled")
    waitlisted_on: Mapped[date | None] = mapped_column(Date)
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    leave_reason: Mapped[str | None] = mapped_column(String(200))

    course: Mapped[Course] = tenant_many_to_one("Enrolment", "Course", "course_id", back_populates="enrolments")
    mother: Mapped[Mother] = tenant_many_to_one("Enrolment", "Mother", "mother_id")


class CourseSession(TenantScoped, Model):
    """One weekly meeting; staff can move or cancel a single one."""

    __tablename__ = P + "sessions"
    __tenant_table_args__ = (
        tenant_reference("course_id", P + "courses", ondelete="CASCADE"),
        # A course's sessions in order, and a tenant's sessions by date (mg02).
        Index("ix_mother_groups_sessions_tenant_course_date", "tenant_id", "course_id", "date"),
        Index("ix_mother_groups_sessions_tenant_date", "tenant_id", "date"),
    )

    course_id: Mapped[int] = mapped_column()
    date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time] = mapped_column(Time)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    # dt.date: the column ``date`` above shadows the bare name in this class body.
    moved_from: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))

    course: Mapped[Course] = tenant_many_to_one("CourseSession", "Course", "course_id", back_populates="sessions")
    activities: Mapped[list[SessionActivity]] = tenant_one_to_many(
        "CourseSession", "SessionActivity", "session_id", cascade="all, delete-orphan", order_by="SessionActivity.activity"
    )


class SessionActivity(TenantScoped, Model):
    __tablename__ = P + "session_activities"
    __tenant_table_args__ = (
        tenant_reference("session_id", P + "sessions", ondelete="CASCADE"),
        UniqueConstraint("session_id", "activity"),
    )

    session_id: Mapped[int] = mapped_column()
    activity: Mapped[str] = mapped_column(String(30))


class Attendance(TenantScoped, Model):
    __tablename__ = P + "attendance"
    __tenant_table_args__ = (
        tenant_reference("session_id", P + "sessions", ondelete="CASCADE"),
        tenant_reference("enrolment_id", P + "enrolments", ondelete="CASCADE"),
        UniqueConstraint("session_id", "enrolment_id"),
        Index("ix_mother_groups_attendance_tenant_enrolment", "tenant_id", "enrolment_id"),  # a mother's attendance (mg02)
    )

    session_id: Mapped[int] = mapped_column()
    enrolment_id: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10))
    baby_present: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(60))


class CourseVolunteer(TenantScoped, Model):
    __tablename__ = P + "course_volunteers"
    __tenant_table_args__ = (
        tenant_reference("course_id", P + "courses", ondelete="CASCADE"),
        tenant_reference("volunteer_id", "volunteers", ondelete="CASCADE"),
        UniqueConstraint("course_id", "volunteer_id"),
    )

    course_id: Mapped[int] = mapped_column()
    volunteer_id: Mapped[int] = mapped_column()


class Referral(TenantScoped, Model):
    """A health visitor's referral of a mother, and the partner's decision on it."""

    __tablename__ = P + "referrals"
    __tenant_table_args__ = (
        tenant_reference("mother_id", P + "mothers", ondelete="CASCADE"),
        tenant_reference("course_id", P + "courses"),
    )

    mother_id: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(30), default="health_visitor")
    referred_by: Mapped[str] = mapped_column(String(60), index=True)  # audit label of the referrer
    referred_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    decided_on: Mapped[date | None] = mapped_column(Date)
    decline_reason: Mapped[str | None] = mapped_column(String(300))
    course_id: Mapped[int | None] = mapped_column()

    mother: Mapped[Mother] = tenant_many_to_one("Referral", "Mother", "mother_id")


class JointMeeting(TenantScoped, Model):
    """Half-yearly joint meeting (fællesmøde) of DRC, the municipality and local actors."""

    __tablename__ = P + "joint_meetings"

    held_on: Mapped[date] = mapped_column(Date)
    organisations: Mapped[str] = mapped_column(String(400))
    minutes: Mapped[str | None] = mapped_column(Text)


class Milestone(TenantScoped, Model):
    """A dated task, e.g. the political process on continuing, started by mid-2025."""

    __tablename__ = P + "milestones"

    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class Evaluation(TenantScoped, Model):
    __tablename__ = P + "evaluations"

    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
