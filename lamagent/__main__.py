"""`python -m lamagent` runs the command line."""

from lamagent.cli import app

app()
