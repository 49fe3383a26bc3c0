"""The programme kit (core.testing.kit) on the café: matrix, isolation, scoping, statements, axe-core."""

from core.testing.kit import ProgrammeKit


class TestKit(ProgrammeKit):
    programme = "homework_cafe"
