"""Converts an XLSForm with pyxform (the converter KoboToolbox and ODK use) and prints
what a submission of it is made of, as JSON: the form's id, pyxform's warnings, each
question's path as KoboToolbox posts it (`incident/kind`) with its type and choice list,
and each choice list's values. Exits with an error when pyxform cannot convert the form.
For tests/tests/forms.rs:

    python tests/clients/xlsform_check.py form.xlsx form.xml
"""
import json
import sys

from pyxform.xls2xform import convert

source, xml = sys.argv[1:3]
result = convert(xlsform=source)
with open(xml, "w", encoding="utf-8") as handle:
    handle.write(result.xform)
form = result._pyxform
questions = []


def walk(node, prefix):
    for child in node.get("children", []):
        if child.get("type") == "group":
            walk(child, prefix + child["name"] + "/")
        else:
            questions.append({
                "path": prefix + child["name"],
                "type": child.get("type"),
                "list": child.get("itemset") or child.get("list_name"),
            })


walk(form, "")
choices = {name: [c["name"] for c in items] for name, items in form.get("choices", {}).items()}
print(json.dumps({
    "id": form.get("id_string"),
    "default_language": form.get("default_language"),
    "warnings": result.warnings,
    "questions": questions,
    "choices": choices,
}, ensure_ascii=False))
