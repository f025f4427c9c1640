"""What the test servers of the remote store share: a SPARQL server process on loopback.

`OxigraphServer` and `VirtuosoServer` each start their own engine; asking
whether it answers, stopping it and talking to it past the store (to see what
the store hides: other graphs, staging graphs) are the same for both.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request


class SparqlProcess:
    """A started server's process and endpoints; subclasses set them and start it."""

    process: subprocess.Popen[bytes] | None = None
    stop_wait = 10.0  # seconds a clean shutdown may take before the process is killed

    @property
    def query_endpoint(self) -> str:
        raise NotImplementedError

    @property
    def update_endpoint(self) -> str:
        raise NotImplementedError

    def answers(self) -> bool:
        request = urllib.request.Request(
            self.query_endpoint,
            data=b"query=ASK%7B%7D",
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def raw_select(self, sparql: str) -> list[dict[str, str]]:
        """A query straight to the server, without the store's dataset or filters."""
        data = urllib.parse.urlencode({"query": sparql}).encode()
        request = urllib.request.Request(
            self.query_endpoint, data=data, headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            bindings = json.load(response)["results"]["bindings"]
        return [{k: v["value"] for k, v in row.items()} for row in bindings]

    def raw_update(self, sparql: str) -> None:
        data = urllib.parse.urlencode({"update": sparql}).encode()
        urllib.request.urlopen(
            urllib.request.Request(self.update_endpoint, data=data, headers={"Accept": "*/*"}),
            timeout=30,
        ).close()
