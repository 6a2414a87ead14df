"""genomed: genome-based precision medicine for a network of hospitals.

The package is layered (see docs/architecture.md); data flows one way:
model -> io -> store -> reference/knowledge -> annotate -> interpret -> ... -> cli.
"""

__version__ = "0.1.0"
