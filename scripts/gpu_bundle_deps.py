"""The third-party wheels gpu-bundle carries for one CPython, read from
pip's report of what the GPU check's packages need there (``pip install
--dry-run --report``, run by that CPython so that the requirements'
environment markers are evaluated for it):

    python scripts/gpu_bundle_deps.py REPORT NAME...

NAMEs: the base set (scripts/gpu-base.txt). Prints ``name==version``, one
a line, for every distribution pip resolved except those asked for as files
(the stack and this project, which scripts/gpu-bundle.sh builds) and the
base set with all it requires, which the GPU machine has.
"""
import json
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def requires(item, environment):
    """The names of what ``item`` of a pip report requires in
    ``environment`` (its extras left out)."""
    for text in item['metadata'].get('requires_dist', []):
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            yield canonicalize_name(requirement.name)


def closure(resolved, names, environment):
    """``names`` and all they require, transitively, among ``resolved``
    ({name: report item})."""
    found, todo = set(), [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        if name not in resolved:
            raise SystemExit('{} is required but pip resolved no {}'.format(name, name))
        found.add(name)
        todo.extend(requires(resolved[name], environment))
    return found


def carried(report, base):
    """``name==version`` of each wheel to carry, sorted."""
    environment = dict(report['environment'], extra='')
    resolved = {canonicalize_name(item['metadata']['name']): item for item in report['install']}
    left_out = closure(resolved, base, environment)
    return sorted('{}=={}'.format(name, item['metadata']['version'])
                  for name, item in resolved.items()
                  if name not in left_out and not item.get('is_direct'))


def main():
    with open(sys.argv[1]) as f:
        report = json.load(f)
    for line in carried(report, sys.argv[2:]):
        print(line)


if __name__ == '__main__':
    main()
