"""The open-data face of the graph: dumps written at build time, and its DCAT/VoID description.

`dumps` writes the whole store in every RDF format (and gzipped) beside the
store; `description` says what the catalogue holds, computed from the store
and the dumps' manifest; `version` names the store generation that HTTP
validators are derived from. The server's `dataset` blueprint serves them.
"""

from minami_kg.publish.description import DESCRIPTION_PREFIXES, Urls, description_quads
from minami_kg.publish.dumps import (
    DUMP_FORMATS,
    DumpFile,
    DumpManifest,
    publish_dumps,
    read_manifest,
    write_dumps,
)
from minami_kg.publish.version import StoreVersion, store_version

__all__ = [
    "DESCRIPTION_PREFIXES",
    "DUMP_FORMATS",
    "DumpFile",
    "DumpManifest",
    "StoreVersion",
    "Urls",
    "description_quads",
    "publish_dumps",
    "read_manifest",
    "store_version",
    "write_dumps",
]
