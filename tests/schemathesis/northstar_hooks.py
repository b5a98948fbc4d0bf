"""Schemathesis hooks for the service's contract test: batches are NDJSON, one JSON account a line."""
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """A generated list of accounts as NDJSON lines; anything else as one JSON line."""
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item) + "\n" for item in items).encode()
