"""The layer above single reports: one issuer over the years, cross-year identities, a batch audited as a
whole, small charts, and exports researchers use.

``issuers`` lines names up, ``sources`` reads results (files, directories, batch JSON lines), ``stored``
is the one adapter onto the service's store, ``crossyear`` holds the identities that tie consecutive
years, ``panel`` builds the per-issuer year tables, ``audit``, ``charts`` and ``exports`` present them,
``routes`` serves them.
"""
