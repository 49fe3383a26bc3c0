"""The programme kit on the example plugin, as a plugin author gets it (core.testing.kit)."""

from core.testing.kit import ProgrammeKit, check_declared
from core.testing.kit_walk import programme_rules


class TestKit(ProgrammeKit):
    programme = "example"

    def test_every_route_declares_its_roles(self, app):
        # The example keeps samvirke_authorization and plain blueprints (the hooks for what is not
        # convention): the check names each of its rules as declared elsewhere than on the route.
        failures = check_declared(app, self.programme)
        assert len(failures) == len(programme_rules(app, self.programme)) > 0
        assert all("not declared on the route" in failure for failure in failures)
