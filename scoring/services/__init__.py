"""The operations every face calls: one module per resource.

The command line, the API routes, the pages and the scheduled jobs call only these functions:
no face opens a transaction, calls a repository or checks a role itself. Each function takes
the store first and everything else by keyword, with ``caller`` (who acts, see
:mod:`scoring.services.access`) among them; it checks the caller's right, narrows what it
returns to the caller's scope, owns its transactions and records what it changed in the audit
log under ``caller.login``.
"""
