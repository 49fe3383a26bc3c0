"""The mother-group tests run with Ishøj's targets in the test tenants' agreements."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.testing.fixtures import agreement_says

# What Ishøj's agreement (seeds/000) sets: 3 overlapping courses of 6-8 mothers, up to 24 mothers,
# 2-3 volunteers a course, at least one visit by the health visitor per course.
ISHOJ_TARGETS = {
    "courses": 3,
    "mothers_per_course_min": 6,
    "mothers_per_course_max": 8,
    "mothers": 24,
    "volunteers_per_course_min": 2,
    "volunteers_per_course_max": 3,
    "health_visitor_visits_per_course": 1,
}


@pytest.fixture(autouse=True)
def _ishoj_targets(request) -> Iterator[None]:
    """The test tenants' agreements set Ishøj's targets (the files set only some); tests that need
    other targets, or none, say so with ``agreement_says``."""
    if "app" not in request.fixturenames:
        yield
        return
    from core.testing.fixtures import tenant_id

    app = request.getfixturevalue("app")
    with (
        agreement_says(app, tenant_id(app, "alpha"), "mother_groups", targets=ISHOJ_TARGETS),
        agreement_says(app, tenant_id(app, "beta"), "mother_groups", targets=ISHOJ_TARGETS),
    ):
        yield
