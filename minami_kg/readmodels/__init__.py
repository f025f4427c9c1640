"""Read models: what each page shows, as plain functions of (store, parameters).

Each returns dataclasses or plain dicts; none imports Flask (a test holds to
that), so a view is only a choice of template or JSON around one call, and
the same data feeds the HTML page, its JSON twin and the downloads.
"""
