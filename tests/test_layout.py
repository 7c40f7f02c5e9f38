"""The package's architecture: the tutorial's name space, the run record,
one registry of nets, and no import cycles."""
import ast
import glob
import re
import os
import subprocess
import sys

import facial_keypoints
from facial_keypoints.model import registry


PACKAGE = os.path.dirname(facial_keypoints.__file__)

#: The top-level names of the tutorial's kfkd.py, and its nets.
TUTORIAL_NAMES = {
    'FTRAIN', 'FTEST', 'FLOOKUP', 'float32', 'load', 'load2d', 'plot_sample',
    'plot_weights', 'FlipBatchIterator', 'AdjustVariable', 'EarlyStopping', 'net',
    'fit', 'SPECIALIST_SETTINGS', 'fit_specialists', 'predict', 'rebin',
    'plot_learning_curves',
} | {'net{}'.format(i) for i in range(1, 9)}


def test_kfkd_is_exactly_the_tutorials_name_space():
    names = {}
    exec('from facial_keypoints.kfkd import *', names)
    assert set(names) - {'__builtins__'} == TUTORIAL_NAMES
    assert names['FTRAIN'].endswith('training.csv')
    assert names['FLOOKUP'].endswith('IdLookupTable.csv')


def module_name(path):
    rel = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].replace(os.sep, '.')
    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel


def imports_of(path):
    """Modules of the package that ``path`` imports, at any depth (lazy
    imports in functions count)."""
    name = module_name(path)
    package = name if path.endswith('__init__.py') else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition('.')[0]
            target = (base + '.' + node.module if node.module else base) \
                if node.level else node.module
            for alias in node.names:
                candidate = target + '.' + alias.name
                found.add(candidate if os.path.exists(_path(candidate)) else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith('facial_keypoints') and m != name}


def _path(module):
    base = os.path.join(os.path.dirname(PACKAGE), *module.split('.'))
    return base + '.py' if os.path.exists(base + '.py') else os.path.join(base, '__init__.py')


def import_graph():
    graph = {}
    for root, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith('.py'):
                path = os.path.join(root, f)
                deps = set()
                name = module_name(path)
                for m in imports_of(path):
                    deps.add(m)
                    parts = m.split('.')  # importing a submodule runs its packages,
                    deps.update(  # but not those already running the importer
                        p for p in ('.'.join(parts[:i]) for i in range(2, len(parts)))
                        if not name.startswith(p + '.'))
                graph[name] = deps - {name}
    return graph


def test_no_import_cycles():
    graph = import_graph()
    assert 'facial_keypoints.tutorial.nets' in graph
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = 'open'
        for dep in sorted(graph.get(node, ())):
            if dep == 'facial_keypoints':
                continue  # the package's __init__ only applies the patches
            if state.get(dep) == 'open':
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 'done'

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


#: The parts of the package (its sub-packages and root modules) and those
#: each may import, lazy imports too, as docs/architecture.rst draws them
#: (the package's __init__ only applies upstream's patches).
BASE = {'base', 'about'}
MAY_IMPORT = {'base': set(), 'about': set(), 'upstream': BASE, 'kaggle': BASE,
              'tutorial': BASE | {'kaggle'}}
MAY_IMPORT['w207'] = MAY_IMPORT['tutorial'] | {'tutorial'}
MAY_IMPORT['model'] = MAY_IMPORT['w207'] | {'w207', 'upstream'}
MAY_IMPORT['longrun'] = MAY_IMPORT['outputs'] = MAY_IMPORT['model'] | {'model'}
MAY_IMPORT['commands'] = MAY_IMPORT['model'] | {'model', 'longrun', 'outputs'}
MAY_IMPORT['cli'] = MAY_IMPORT['nets'] = MAY_IMPORT['commands'] | {'commands'}
MAY_IMPORT['kfkd'] = MAY_IMPORT['cli'] | {'cli', 'nets'}


def part_of(module):
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else None


def test_each_part_imports_only_the_parts_below_it():
    wrong = set()
    for module, deps in import_graph().items():
        source = part_of(module)
        assert source is None or source in MAY_IMPORT, module  # a new part has a place
        for dep in deps:
            target = part_of(dep)
            if source and target and target != source and target not in MAY_IMPORT[source]:
                wrong.add((module, dep))
    assert sorted(wrong) == []


def test_the_package_root_holds_at_most_eight_modules():
    assert len(glob.glob(os.path.join(PACKAGE, '*.py'))) <= 8


def test_the_tutorial_imports_nothing_from_w207():
    for module, deps in import_graph().items():
        if module.startswith('facial_keypoints.tutorial'):
            assert not [d for d in deps if d.startswith('facial_keypoints.w207')], module
        if module.startswith('facial_keypoints.kaggle'):
            assert not [d for d in deps if d.startswith(('facial_keypoints.w207',
                                                         'facial_keypoints.tutorial'))]
    assert import_graph()['facial_keypoints.kaggle.format'] == set()
    assert import_graph()['facial_keypoints.base.errors'] == set()


def test_registry_declares_each_nets_input():
    # net1 alone takes flat rows (load), every convnet images (load2d)
    flat = [name for name, d in registry.DEFINITIONS.items() if not d.input_2d]
    assert flat == ['net1']




def test_no_c_code_in_the_fast_ops_python():
    # Every line of the ops' C lives in upstream/c_code/, measurements in docs/.
    for path in sorted(glob.glob(os.path.join(PACKAGE, 'upstream', 'fast_*.py'))):
        tree = ast.parse(open(path).read())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in docstrings:
                assert node.value.count('\n') <= 1, (path, node.lineno)
                assert not re.search(r'PyArray_\w+\(|npy_intp |#pragma', node.value), (
                    path, node.lineno)


def test_no_string_literal_of_over_40_lines_in_the_upstream_patches():
    for path in sorted(glob.glob(os.path.join(PACKAGE, 'upstream', '**', '*.py'),
                                 recursive=True)):
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value.count('\n') <= 40, (path, node.lineno)


def test_the_readme_is_short_and_its_documents_exist():
    root = os.path.dirname(PACKAGE)
    text = open(os.path.join(root, 'README.rst')).read()
    assert len(text.splitlines()) <= 200
    linked = re.findall(r'<((?:docs/)?[\w./-]+\.rst)>`_', text)
    assert 'docs/long-runs.rst' in linked and 'CHANGES.rst' in linked
    for path in linked:
        assert os.path.exists(os.path.join(root, path)), path


def test_the_supported_pythons_and_requirements_have_one_home():
    """facial_keypoints/about.py: setup.py, install.py and bootstrap.sh read
    it, and restate none of it."""
    here = os.path.dirname(PACKAGE)
    about = ast.parse(open(os.path.join(PACKAGE, 'about.py')).read())
    assert not [n for n in ast.walk(about) if isinstance(n, (ast.Import, ast.ImportFrom))]
    for script in ('setup.py', 'install.py', os.path.join('scripts', 'bootstrap.sh')):
        with open(os.path.join(here, script)) as f:
            text = f.read()
        assert 'facial_keypoints/about.py' in text or "'about.py'" in text, script
        assert '(3, 16)' not in text and 'numpy>=' not in text and "'0.1.0'" not in text, script
    out = subprocess.run([sys.executable, 'setup.py', '--version'], cwd=here,
                         capture_output=True, text=True, check=True).stdout
    assert out.split()[-1] == facial_keypoints.__version__
    run = subprocess.run(['bash', '-c', 'name=t; . scripts/lib.sh; eval "$(sed -n '
                          '"/^supported=/,/^versions=/p" scripts/bootstrap.sh)"; echo $versions'],
                         cwd=here, capture_output=True, text=True)
    first, past = facial_keypoints.SUPPORTED_PYTHON
    assert run.stdout.split() == ['3.{}'.format(m) for m in range(first[1], past[1])], run.stderr


def test_each_default_of_the_commands_has_one_home():
    """model/settings.py holds them; the library's signatures and the
    command line's options read them from there."""
    from facial_keypoints.model import settings
    homed = [settings.SPECIALISTS_PICKLE, settings.REPORT, settings.NET_PICKLE,
             settings.LEARNING_CURVES_PNG, settings.SAMPLES_PNG, settings.PREDICTIONS_PNG,
             settings.CONV1_PNG, settings.SWEEP_OUT]
    literals = [repr(name) for name in homed] + ['folds=5', 'default=5', 'worst=24',
                                                   'default=24']
    found = {}
    for root, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith('.py'):
                text = open(os.path.join(root, f)).read()
                for literal in literals:
                    if literal in text:
                        found.setdefault(literal, []).append(f)
    assert found == {repr(name): ['settings.py'] for name in homed}
