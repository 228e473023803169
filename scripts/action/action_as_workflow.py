#!/usr/bin/env python3
"""Prints action.yml's steps as a workflow (JSON, which is YAML), so that actionlint checks them.

actionlint reads a composite action only for the inputs a workflow passes it; the action's own
steps (the versions of the actions it uses, its expressions, the shell of each run: step) are
checked only in a workflow. Here they are one job of a workflow_call workflow whose inputs are the
action's inputs.
"""
import json
import sys

from ruamel.yaml import YAML


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        action = YAML(typ="safe").load(handle)
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        sys.exit(f"{path}: runs.using is {runs.get('using')!r}, not composite")
    inputs = {
        name: {"type": "string", "required": bool(spec.get("required", False)), "default": str(spec.get("default", ""))}
        for name, spec in (action.get("inputs") or {}).items()
    }
    for spec in inputs.values():
        if spec["required"]:
            del spec["default"]
    workflow = {
        "name": f"{action.get('name', 'action')} (the action's steps)",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {},
        "jobs": {"steps": {"runs-on": "ubuntu-24.04", "steps": runs.get("steps") or []}},
    }
    json.dump(workflow, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "action.yml")
