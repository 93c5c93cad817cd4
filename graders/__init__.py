"""Instructor side of the course: nbgrader configuration, notebook generation, grading."""
