"""SPARQL results: the formats they are written in, how one query is run and written, and the
loop of the query processes that run them. Nothing here knows about Flask."""
