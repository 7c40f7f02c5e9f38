"""Which of the wheels a list of the GPU bundle names this python lacks:

    python missing_wheels.py LIST

prints the lines of LIST (``name==version``) whose distribution
importlib.metadata finds installed in no version, so that gpu-bundle's
check.sh installs those and keeps the machine's own.
"""
import importlib.metadata
import sys


def missing(lines):
    for line in lines:
        requirement = line.strip()
        if not requirement:
            continue
        try:
            importlib.metadata.distribution(requirement.split('==')[0])
        except importlib.metadata.PackageNotFoundError:
            yield requirement


if __name__ == '__main__':
    with open(sys.argv[1]) as f:
        for requirement in missing(f):
            print(requirement)
