"""Sample rows for the test kit (``samvirke_sample_rows``): one of each kind the programme's URLs name."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from core.programme import SampleRows, db
from plugins.volunteer_association import models as va


def sample_rows(marker: str) -> SampleRows:
    """A shift, the shop's hours, an expense, a grant application, an activity and a donation."""
    # A shift is one per day and start: the next free day, so the kit can make the rows again with another marker.
    later = db.session.scalar(select(func.count()).select_from(va.Shift)) or 0
    shift = va.Shift(day=date(2026, 1, 7) + timedelta(days=later), starts=time(10, 0), ends=time(14, 0))
    expense = va.Expense(day=date(2026, 1, 7), category="rent", amount=100, description=f"Husleje {marker}")
    grant = va.GrantApplication(funder=f"Fonden {marker}", amount_applied=1000)
    shop_hours = va.ShopHours(weekday=2, opens=time(10, 0), closes=time(16, 0))
    activity = va.Activity(kind="help", title=f"Tøjbytte {marker}", day=date(2026, 1, 7))
    donation = va.Donation(day=date(2026, 1, 7), category="toys", count=3)
    db.session.add_all([shift, expense, grant, shop_hours, activity, donation])
    db.session.flush()
    return SampleRows(
        ids={
            "shift_id": shift.id,
            "expense_id": expense.id,
            "grant_id": grant.id,
            "activity_id": activity.id,
            "shop_hours_id": shop_hours.id,
        },
        narrowed={
            # A volunteer records the takings only of a shift she is on.
            "/shifts/<int:shift_id>/takings": frozenset({"volunteer"}),
            # Offering a slot needs one's own sign-up on that shift.
            "/shifts/<int:shift_id>/offer": frozenset({"volunteer", "partner_staff", "tenant_admin", "platform_admin"}),
        },
    )
