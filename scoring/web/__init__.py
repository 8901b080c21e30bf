"""The web layer: JSON API routers (``routes_*``) and server-rendered pages (``pages_*``).

Each module is one resource; all of them call the same services as the command line
(:mod:`scoring.importer`, :mod:`scoring.periods`, :mod:`scoring.disputes`, the store's
repositories) and hold no state of their own: the store, settings and working-day calendar
live on the application (see :func:`scoring.api.create_app`) and reach handlers through the
typed dependencies of :mod:`scoring.web.deps`.
"""
