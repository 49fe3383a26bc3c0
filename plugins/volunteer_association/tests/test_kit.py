"""The programme kit (core.testing.kit) on this plugin: matrix, isolation, scoping, statements, axe-core."""

from core.testing.kit import ProgrammeKit


class TestKit(ProgrammeKit):
    programme = "volunteer_association"
