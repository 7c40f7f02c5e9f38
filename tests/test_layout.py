"""The package's architecture: the tutorial's name space, the run record,
one registry of nets, and no import cycles."""
import ast
import os

import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.base import clone

import facial_keypoints
from facial_keypoints import cli, kfkd, persist, record, registry, report
from facial_keypoints.kaggle import synthetic
from facial_keypoints.tutorial.plots import plot_sample

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


def test_plot_sample_without_keypoints():
    ax = Figure().add_subplot(1, 1, 1)
    plot_sample(np.zeros(9216, np.float32), None, ax)
    assert len(ax.images) == 1 and not ax.collections
    plot_sample(np.zeros(9216, np.float32), np.zeros(30, np.float32), ax)
    assert len(ax.collections) == 1


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
                for m in imports_of(path):
                    deps.add(m)
                    parts = m.split('.')  # importing a submodule runs its packages
                    deps.update('.'.join(parts[:i]) for i in range(2, len(parts)))
                graph[module_name(path)] = deps - {module_name(path)}
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


def test_the_tutorial_imports_nothing_from_w207():
    for module, deps in import_graph().items():
        if module.startswith('facial_keypoints.tutorial'):
            assert not [d for d in deps if d.startswith('facial_keypoints.w207')], module
        if module.startswith('facial_keypoints.kaggle'):
            assert not [d for d in deps if d.startswith(('facial_keypoints.w207',
                                                         'facial_keypoints.tutorial'))]
    assert import_graph()['facial_keypoints.kaggle.format'] == set()
    assert import_graph()['facial_keypoints.errors'] == set()


def test_registry_declares_each_nets_input():
    for name, definition in registry.DEFINITIONS.items():
        net = definition.build()
        assert (len(net.input_shape if not isinstance(net.layers[0][1], dict)
                    else net.layers[0][1]['shape']) == 4) == definition.input_2d, name
    with pytest.raises(ValueError, match='unknown net'):
        registry.get_net('net9')


def test_clone_keeps_the_run_settings_and_record():
    from facial_keypoints.settings import RunSettings
    net = registry.get_net('net1')
    record.set_settings(net, RunSettings(net='net1', data='synthetic'))
    record.set_record(net, {'train_rows': 7})
    copy = clone(net)
    assert record.settings_of(copy) == RunSettings(net='net1', data='synthetic')
    assert record.get_record(copy)['train_rows'] == 7
    assert copy.run_record_ is not net.run_record_


def test_synth_seeds_give_different_data(tmp_path, capsys):
    for seed in (7, 8):
        assert cli.main(['synth', '--out', str(tmp_path / str(seed)), '--n-train', '20',
                         '--n-test', '3', '--seed', str(seed)]) == 0
    a, b = ((tmp_path / s / 'training.csv').read_bytes() for s in ('7', '8'))
    assert a != b
    again = synthetic.write_dataset(str(tmp_path / 'again'), 20, 3, seed=7)
    assert (tmp_path / 'again' / 'training.csv').read_bytes() == a and again


def test_report_of_specialists_alone_is_marked_synthetic(in_data):
    kfkd.fit('net1', max_epochs=1)
    kfkd.fit_specialists('net1.pickle', epochs=1)
    text = open(report.write_report(['net-specialists.pickle'], 'r.md')).read()
    assert text.startswith('# Reproduction report (SYNTHETIC DATA)')
    assert text.count('| SYNTHETIC |') == 6


def test_specialists_of_a_preprocessed_net_preprocess(in_data, monkeypatch):
    from facial_keypoints import inputs, training
    kfkd.fit('net1', max_epochs=1, preprocess='equalize_hist')
    seen = []
    load_for = inputs.load_for

    def recording_load_for(net, **kwargs):
        X, y = load_for(net, **kwargs)
        seen.append((record.settings_of(net).preprocess, float(X.mean())))
        return X, y

    monkeypatch.setattr(training, 'load_for', recording_load_for)
    specialists = kfkd.fit_specialists('net1.pickle', epochs=1)
    assert [p for p, _ in seen] == ['equalize_hist'] * 6
    assert all(record.settings_of(m).preprocess == 'equalize_hist'
               for m in specialists.values())
    assert abs(seen[1][1] - 0.5) < 0.05  # equalised images average about 0.5


def test_resume_keeps_the_runs_data_options(in_data, tmp_path):
    exclude = tmp_path / 'exclude.txt'
    exclude.write_text('1\n2\n3\n')
    first = kfkd.fit('net1', max_epochs=1, exclude=str(exclude), dct_window=8)
    again = kfkd.fit('net1', max_epochs=2, resume='net1.pickle')
    run, settings = record.get_record(again), record.settings_of(again)
    assert settings.exclude == str(exclude) and settings.dct_window == 8
    assert run['train_rows'] == record.get_record(first)['train_rows']
    assert run['epochs'] == 2


def test_npz_checkpoint_round_trip(in_data):
    net = kfkd.fit('net1', max_epochs=2)
    persist.export_npz(net, 'net1.npz')
    again = persist.load_net('net1.npz')
    X, _ = kfkd.load(test=True)
    np.testing.assert_array_equal(net.predict(X), again.predict(X))
    assert record.get_record(again) == record.get_record(net)
    assert again.train_history_[-1]['valid_loss'] == net.train_history_[-1]['valid_loss']
