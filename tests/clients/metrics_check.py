"""Reads Prometheus metrics text on standard input with the reference parser
(prometheus_client's text_string_to_metric_families, which refuses what is not the
format) and prints every sample as JSON lines: {"name", "labels", "value", "type"}."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        print(json.dumps({"name": sample.name, "labels": sample.labels,
                          "value": sample.value, "type": family.type}))
