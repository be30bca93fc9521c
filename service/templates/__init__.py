"""One specification per report template (markers, table layouts, row and column wordings, key scope).

Anchors, checks, the model's prompts and scope, and the gold validator all read these; a new template
is a new module here plus its entry in ``registry.py``.
"""
