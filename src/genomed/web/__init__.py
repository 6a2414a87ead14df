"""The web application (FastAPI): the Beacon v2 API of a node, genomed REST routes, pages."""
