"""Each compatibility patch: needed on today's stack, effective, idempotent."""
import collections
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne import layers
from nolearn.lasagne import NeuralNet, TrainSplit
from sklearn.base import clone

from facial_keypoints.upstream import compat


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter; return its stdout lines."""
    environ = dict(os.environ, **env)
    out = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                         env=environ, capture_output=True, text=True, check=True)
    return out.stdout.split()


#: Breaks that depend on what else is installed, tested on their own below.
ENVIRONMENT_DEPENDENT = {'pkg-resources-stand-in', 'numpy-distutils', 'imp-module',
                         'numpy-bool', 'nolearn-configparser-readfp', 'distutils-find-executable'}


def test_every_patch_was_needed_on_this_stack():
    always = [p.name for p in compat.PATCHES if p.name not in ENVIRONMENT_DEPENDENT]
    assert [name for name in compat.APPLIED if name in always] == always


def test_patches_apply_only_when_needed():
    applied, compat.APPLIED[:] = list(compat.APPLIED), []
    modules = {name: sys.modules.get(name) for name in (
        compat.moved_modules.TheanoDownsample.module, compat.sklearn.SklearnCrossValidation.module)}
    try:
        assert compat.apply_all(compat.PATCHES) == []
    finally:
        compat.APPLIED[:] = applied
    for name, module in modules.items():
        assert sys.modules[name] is module


def test_apply_all_is_idempotent():
    assert compat.apply_all(compat.PATCHES) == []


# -- Theano defaults ----------------------------------------------------------

def test_user_theano_settings_reads_flags_and_theanorc(tmp_path):
    rc = tmp_path / 'rc'
    rc.write_text('[global]\ndevice = cpu\n[blas]\nldflags = -lblas\n')
    names = compat.theano_config.user_theano_settings(
        {'THEANO_FLAGS': 'floatX=float64, mode=FAST_RUN', 'THEANORC': str(rc)},
        home=str(tmp_path))
    assert names == {'floatX', 'mode', 'device', 'blas.ldflags'}


def test_user_theano_settings_default_theanorc_in_home(tmp_path):
    (tmp_path / '.theanorc').write_text('[global]\nfloatX = float16\n')
    assert compat.theano_config.user_theano_settings({}, home=str(tmp_path)) == {'floatX'}


def test_defaults_are_float32_and_a_working_blas_linkage():
    assert theano.config.floatX == 'float32'
    assert theano.config.allow_gc is False
    assert theano.config.gcc.cxxflags == '-g0'
    assert theano.config.blas.ldflags in ('', '-lopenblas') or \
        '-lopenblas' in theano.config.blas.ldflags


def test_find_openblas(tmp_path):
    assert compat.theano_config.find_openblas([str(tmp_path)]) is None
    (tmp_path / 'libopenblas.so').write_bytes(b'')
    assert compat.theano_config.find_openblas([str(tmp_path)]) == str(tmp_path)
    assert compat.theano_config.openblas_ldflags(str(tmp_path)) == (
        '-L{0} -Wl,-rpath,{0} -lopenblas'.format(tmp_path))
    assert compat.theano_config.openblas_ldflags('/usr/lib/x86_64-linux-gnu') == '-lopenblas'


def test_user_theano_flags_win():
    code = '''
        import facial_keypoints, theano
        print(theano.config.floatX, repr(theano.config.blas.ldflags))
    '''
    assert run_python(code, THEANO_FLAGS='floatX=float64,blas.ldflags=') == [
        'float64', "''"]
    code = '''
        import facial_keypoints, theano
        print(theano.config.allow_gc)
    '''
    assert run_python(code, THEANO_FLAGS='allow_gc=True') == ['True']
    code = '''
        import facial_keypoints, theano
        print(repr(theano.config.gcc.cxxflags))
    '''
    assert run_python(code, THEANO_FLAGS='gcc.cxxflags=') == ["''"]


def test_user_theanorc_wins(tmp_path):
    rc = tmp_path / 'theanorc'
    rc.write_text('[global]\nfloatX = float64\n')
    code = '''
        import facial_keypoints, theano
        print(theano.config.floatX)
    '''
    assert run_python(code, THEANORC=str(rc), THEANO_FLAGS='') == ['float64']


def test_importing_the_package_loads_no_theano_and_says_nothing():
    code = 'import sys, facial_keypoints; print("theano" in sys.modules)'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ['False'] and out.stderr == ''


def test_patches_apply_whoever_imports_the_stack_first():
    code = '''
        import facial_keypoints
        from nolearn.lasagne import NeuralNet  # before any of the package's modules
        import theano
        from facial_keypoints.upstream import compat
        print([p.name for p in compat.PATCHES
               if p.name not in compat.APPLIED and p.needed()] == [],
              theano.config.floatX,
              NeuralNet._get_params_html is compat.nolearn.neural_net_params_html)
    '''
    assert run_python(code, THEANO_FLAGS='') == ['True', 'float32', 'True']


def test_the_blas_is_named_where_it_matters(in_data, capsys, trains):
    from facial_keypoints import cli
    assert cli.main(['fit', 'net1', '--max-epochs', '1']) == 0
    line = [text for text in capsys.readouterr().out.splitlines() if "Theano device" in text]
    assert len(line) == 1 and 'BLAS: ' in line[0]
    assert 'OpenBLAS' in line[0] or 'NumPy C-API' in line[0]


def test_lasagne_imports_without_pkg_resources(tmp_path):
    (tmp_path / 'pkg_resources.py').write_text(
        'raise ModuleNotFoundError("No module named pkg_resources")\n')
    code = """
        import sys
        sys.path.insert(0, {!r})
        import facial_keypoints, lasagne
        from facial_keypoints import compat
        import pkg_resources
        print('pkg-resources-stand-in' in compat.APPLIED, lasagne.__version__,
              pkg_resources.get_distribution('Theano').version)
        try:
            pkg_resources.get_distribution('no-such-package')
        except pkg_resources.DistributionNotFound:
            print('not-found')
    """.format(str(tmp_path))
    assert run_python(code) == ['True', '0.1', '1.0.5', 'not-found']


# -- scan ---------------------------------------------------------------------

def test_scan_graph_compiles_and_runs():
    x = T.vector('x')
    cumulative, _ = theano.scan(lambda v, total: total + v, sequences=x,
                                outputs_info=T.constant(np.float32(0)))
    f = theano.function([x], cumulative)
    np.testing.assert_allclose(f(np.arange(5, dtype='float32')),
                               [0, 1, 3, 6, 10])


def test_scan_uses_python_implementation():
    assert sys.modules[compat.cpython.ScanPythonFallback.module] is None
    assert not compat.cpython.ScanPythonFallback().needed()


def test_lstm_layer_forward_pass():
    np.random.seed(0)
    l_in = layers.InputLayer((2, 5, 3))
    l_lstm = layers.LSTMLayer(l_in, num_units=4)
    f = theano.function([l_in.input_var], layers.get_output(l_lstm))
    out = f(np.random.rand(2, 5, 3).astype('float32'))
    assert out.shape == (2, 5, 4)
    assert np.all(np.isfinite(out)) and np.any(out != 0)


# -- the compile cache ------------------------------------------------------------

def test_modules_of_ops_without_properties_are_versioned():
    from theano.compile.ops import DeepCopyOp
    version = compat.cache_keys.module_key_version(compat.cache_keys.deep_copy_graph())
    assert version and compat.cache_keys.NO_PROPS in version
    assert DeepCopyOp.__props__ == ()  # shown only while the key is made


def test_cop_cache_version_is_the_same_in_every_process():
    code = """
        import facial_keypoints
        from theano.tensor.elemwise import DimShuffle
        print(DimShuffle((False, True), (1, 0)).c_code_cache_version()[0])
    """
    versions = {run_python(code, PYTHONHASHSEED=seed)[0] for seed in ('1', '2')}
    assert len(versions) == 1


def test_a_second_process_compiles_nothing(tmp_path):
    # DimShuffle (a COp), Dot22 and DeepCopyOp (no properties): each was
    # compiled again in every process.
    code = """
        import facial_keypoints, numpy as np, theano, theano.tensor as T
        from theano.gof.cc import get_module_cache
        a, b = T.matrix('a'), T.matrix('b')
        f = theano.function([a, b], [T.dot(a, b).dimshuffle(1, 0), a], mode='FAST_RUN')
        f(np.ones((2, 2), 'float32'), np.ones((2, 2), 'float32'))
        print(get_module_cache().stats[2])
    """
    flags = 'base_compiledir=' + str(tmp_path)
    first, second = (int(run_python(code, THEANO_FLAGS=flags)[-1]) for _ in range(2))
    assert first > 0 and second == 0


# -- downsample -----------------------------------------------------------------

def test_downsample_forwards_to_pool_2d():
    from theano.tensor.signal import downsample, pool
    x = T.tensor4('x')
    data = np.random.RandomState(0).rand(1, 1, 5, 5).astype('float32')
    old = theano.function([x], downsample.max_pool_2d(
        x, ds=(2, 2), st=(1, 1), ignore_border=True, padding=(0, 0)))
    new = theano.function([x], pool.pool_2d(
        x, ws=(2, 2), stride=(1, 1), ignore_border=True))
    np.testing.assert_array_equal(old(data), new(data))
    assert old(data).shape == (1, 1, 4, 4)


def test_lasagne_max_pool_layer():
    l_in = layers.InputLayer((1, 1, 4, 4))
    l_pool = layers.MaxPool2DLayer(l_in, pool_size=(2, 2))
    f = theano.function([l_in.input_var], layers.get_output(l_pool))
    data = np.arange(16, dtype='float32').reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(f(data)[0, 0], [[5, 7], [13, 15]])


# -- nolearn --------------------------------------------------------------------

def test_collections_iterable_alias():
    assert collections.Iterable is collections.abc.Iterable
    assert not compat.cpython.CollectionsAbcAliases().needed()


class Regressor:
    regression = True


def test_train_split_keeps_first_rows_for_validation():
    X = np.arange(10, dtype='float32').reshape(10, 1)
    X_train, X_valid, y_train, y_valid = TrainSplit(eval_size=0.2)(
        X, X.copy(), Regressor())
    assert X_train[:, 0].tolist() == list(range(2, 10))
    assert X_valid[:, 0].tolist() == [0, 1]
    assert y_valid[:, 0].tolist() == [0, 1]


def test_kfold_has_the_old_fold_sizes():
    folds = compat.sklearn.kfold(11, 5)
    assert [len(test) for _, test in folds] == [3, 2, 2, 2, 2]
    assert folds[0][1].tolist() == [0, 1, 2]
    assert sorted(np.concatenate([t for _, t in folds]).tolist()) == list(range(11))


def test_stratified_kfold_keeps_class_shares():
    y = np.array([0] * 8 + [1] * 2)
    train, test = compat.sklearn.stratified_kfold(y, 2)[0]
    assert sorted(y[test].tolist()) == [0, 0, 0, 0, 1]


def small_net(**kwargs):
    params = dict(
        layers=[('input', layers.InputLayer), ('hidden', layers.DenseLayer),
                ('output', layers.DenseLayer)],
        input_shape=(None, 4), hidden_num_units=8, output_num_units=2,
        output_nonlinearity=None, regression=True, max_epochs=5,
        update_learning_rate=theano.shared(np.float32(0.05)),
        update_momentum=theano.shared(np.float32(0.9)), verbose=0)
    params.update(kwargs)
    return NeuralNet(**params)


def linear_data(n=100):
    rng = np.random.RandomState(1)
    X = rng.rand(n, 4).astype('float32')
    return X, (X[:, :2] - X[:, 2:]).astype('float32')


def test_get_params_has_removed_arguments_as_none():
    params = small_net().get_params()
    assert params['loss'] is None and params['X_tensor_type'] is None
    assert params['hidden_num_units'] == 8


def test_clone_gives_unfitted_net_with_fresh_shared_variables():
    net = small_net()
    copy1, copy2 = clone(net), clone(net)
    assert copy1.update_learning_rate is not net.update_learning_rate
    assert copy1.update_learning_rate is not copy2.update_learning_rate
    copy1.update_learning_rate.set_value(np.float32(0.001))
    assert net.update_learning_rate.get_value() == np.float32(0.05)
    assert not hasattr(copy1, 'layers_') and not hasattr(net, 'layers_')
    assert copy1.get_params()['hidden_num_units'] == 8


def test_clone_does_not_duplicate_print_handlers():
    from nolearn.lasagne import PrintLog
    twice = clone(clone(small_net(verbose=1)))
    assert sum(isinstance(h, PrintLog) for h in twice.on_epoch_finished) == 1


def test_clones_fit_identically_from_the_same_seed(trains):
    net, (X, y) = small_net(), linear_data()
    histories = []
    for _ in range(2):
        np.random.seed(42)
        model = clone(net)
        np.random.seed(42)
        model.fit(X, y)
        histories.append([(r['train_loss'], r['valid_loss'])
                          for r in model.train_history_])
    assert histories[0] == histories[1]
    assert not hasattr(net, 'train_history_') or net.train_history_ == []


def test_set_params_changes_the_built_layer():
    net = clone(small_net())
    net.set_params(hidden_num_units=3)
    net.initialize()
    assert net.layers_['hidden'].num_units == 3


def test_grid_search_drives_a_net(trains):
    from sklearn.model_selection import GridSearchCV
    X, y = linear_data(60)
    search = GridSearchCV(small_net(max_epochs=2), {'hidden_num_units': [2, 3]},
                          cv=2, scoring='neg_mean_squared_error')
    search.fit(X, y)
    assert search.best_params_['hidden_num_units'] in (2, 3)
    assert search.best_estimator_.layers_['hidden'].num_units == \
        search.best_params_['hidden_num_units']


def test_conv_net_learns_a_signal(trains):
    """Conv2DLayer, MaxPool2DLayer, DropoutLayer and DenseLayer train."""
    rng = np.random.RandomState(0)
    X = rng.rand(400, 1, 12, 12).astype('float32')
    y = np.stack([X[:, 0, :6].mean(axis=(1, 2)), X[:, 0, 6:].mean(axis=(1, 2))],
                 axis=1).astype('float32') * 4 - 2
    np.random.seed(0)
    net = NeuralNet(
        layers=[('input', layers.InputLayer), ('conv1', layers.Conv2DLayer),
                ('pool1', layers.MaxPool2DLayer), ('dropout1', layers.DropoutLayer),
                ('hidden4', layers.DenseLayer), ('output', layers.DenseLayer)],
        input_shape=(None, 1, 12, 12), conv1_num_filters=4,
        conv1_filter_size=(3, 3), pool1_pool_size=(2, 2), dropout1_p=0.1,
        hidden4_num_units=20, output_num_units=2, output_nonlinearity=None,
        update_learning_rate=0.01, update_momentum=0.9, regression=True,
        max_epochs=15, verbose=0)
    net.fit(X, y)
    valid = [row['valid_loss'] for row in net.train_history_]
    assert valid[-1] < 0.5 * valid[0]


def test_notebook_html_repr_of_a_net():
    net = small_net()
    bundle = net._repr_mimebundle_()
    assert 'hidden_num_units' in bundle['text/html']
    assert 'get_params' not in vars(net)
    assert isinstance(net.get_params(), dict)


def test_clone_of_a_net_given_a_layer_instance(trains):
    from lasagne.layers import DenseLayer, InputLayer
    from nolearn.lasagne import NeuralNet
    from sklearn.base import clone
    output = DenseLayer(InputLayer((None, 4)), num_units=2, nonlinearity=None)
    net = NeuralNet(layers=output, update_learning_rate=0.01, update_momentum=0.9,
                    regression=True, max_epochs=3, verbose=0)
    copy = clone(net)
    assert isinstance(copy.layers[0], DenseLayer) and copy.layers[0] is not output
    rng = np.random.RandomState(0)
    X = rng.rand(40, 4).astype(np.float32)
    copy.fit(X, (X[:, :2] * 2).astype(np.float32))
    assert len(copy.train_history_) == 3


def test_old_sklearn_modules_have_the_names_old_code_imports():
    import nolearn.grid_search  # noqa: F401  (imports sklearn.grid_search)
    from sklearn.cross_validation import ShuffleSplit, cross_val_score, train_test_split
    from sklearn.grid_search import GridSearchCV
    from sklearn.linear_model import Ridge
    splits = ShuffleSplit(10, n_iter=3, test_size=0.2, random_state=0)
    assert len(splits) == 3 and all(len(test) == 2 for _, test in splits)
    a, b = train_test_split(np.arange(10), test_size=0.3, random_state=0)
    assert len(a) == 7 and len(b) == 3
    X = np.random.RandomState(1).rand(20, 2)
    assert len(cross_val_score(Ridge(), X, X[:, 0], cv=2)) == 2
    search = GridSearchCV(Ridge(), {'alpha': [0.1, 1.0]}, cv=2).fit(X, X[:, 0])
    params, mean, scores = search.grid_scores_[1]
    assert params == {'alpha': 1.0} and len(scores) == 2 and mean == pytest.approx(
        scores.mean())
    with pytest.raises(ImportError, match='use sklearn.model_selection.LeaveOneOut'):
        from sklearn.cross_validation import LeaveOneOut  # noqa: F401
    with pytest.raises(ImportError, match='sklearn.grid_search.RandomizedSearchCV'):
        from sklearn.grid_search import RandomizedSearchCV  # noqa: F401


def test_old_sklearn_modules_import_at_once_without_theano():
    # Code of the tutorial's era imports them before anything of the stack.
    out = run_python('''
        import sys
        import facial_keypoints
        from sklearn.cross_validation import KFold, train_test_split
        from sklearn.grid_search import GridSearchCV
        import sklearn.cross_validation
        print(KFold(10, 5)[0][1].tolist() == [0, 1], len(train_test_split(range(10))[1]),
              hasattr(GridSearchCV, 'grid_scores_'),
              sklearn.cross_validation.__doc__.startswith('nolearn 0.6.1'),
              'theano' in sys.modules, 'lasagne' in sys.modules)
    ''')
    assert out == ['True', '3', 'True', 'True', 'False', 'False']


#: nolearn 0.6.1's own tests that compare a float to its last digit, which
#: NumPy 1.23 computes one unit in the last place apart (NumPy 2 does not).
LAST_DIGIT = ('test_metrics.py::test_multiclass_logloss',
              'test_metrics.py::test_multiclass_logloss_actual_conversion')


def test_nolearns_own_tests_import_and_pass(tmp_path):
    code = ('import sys, facial_keypoints, pytest; '
            'sys.exit(pytest.main(sys.argv[1:]))')
    run = subprocess.run(
        [sys.executable, '-c', code, '--pyargs', 'nolearn.tests', '-q', '-rf',
         '-p', 'no:cacheprovider', '-W', 'ignore'],
        cwd=str(tmp_path), capture_output=True, text=True)
    failed = sorted(line.split()[1] for line in run.stdout.splitlines()
                    if line.startswith('FAILED '))
    assert set(failed) <= set(LAST_DIGIT), run.stdout[-3000:]
    assert '{} passed'.format(9 - len(failed)) in run.stdout.strip().splitlines()[-1]
    if failed:  # the last digit, nothing else
        assert 'assert 0.690491124010219' in run.stdout


class UnpicklableKernel:
    """Stands for pygpu's ReductionKernel, which holds its GpuContext."""

    def __reduce__(self):
        raise RuntimeError('Cannot pickle GpuContext object')


def test_a_node_pickles_without_its_gpu_reduction_kernel():
    """GpuCAReduceCPY's kernel cache is left out of a node's pickle (the op
    builds it again when missing); the rest of the node is kept. The
    OpenCL tier pickles a net with the real kernel."""
    import pickle
    x = T.vector('x')
    node = (x * 2).owner
    setattr(node, compat.gpu.REDUCTION_KERNEL_CACHE, UnpicklableKernel())
    node.tag.kept = 'yes'
    again = pickle.loads(pickle.dumps(node))
    assert not hasattr(again, compat.gpu.REDUCTION_KERNEL_CACHE)
    assert again.tag.kept == 'yes' and type(again.op) is type(node.op)
    assert hasattr(node, compat.gpu.REDUCTION_KERNEL_CACHE)  # the live node keeps its cache


# -- Theano on NumPy 2 --------------------------------------------------------

PROBE_MODULE = '''
#include <Python.h>
#include <numpy/arrayobject.h>
static PyObject* probe(PyObject* self, PyObject* args) {
    %s
}
static PyMethodDef methods[] = {{"probe", probe, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "%s", NULL, -1, methods};
PyMODINIT_FUNC PyInit_%s(void) { import_array(); return PyModule_Create(&module); }
'''


def compiled_probe(tmp_path, name, body, header=None):
    """``probe()`` of a C module whose function is ``body``, compiled as
    Theano compiles its ops (its compiler, flags and NumPy headers), with
    NumPy's ``header`` included after ``arrayobject.h``."""
    from theano.gof.cmodule import GCC_compiler
    code = PROBE_MODULE % (body, name, name)
    if header:
        code = code.replace('#include <numpy/arrayobject.h>',
                            '#include <numpy/arrayobject.h>\n#include <{}>'.format(header))
    module = GCC_compiler.compile_str(
        name, code, location=str(tmp_path),
        include_dirs=[np.get_include()], preargs=GCC_compiler.compile_args())
    return module.probe()


def test_c_code_has_the_python2_names_numpy_1_defined(tmp_path):
    body = '''
        #if defined(NPY_PY3K)
        return PyInt_FromLong(PyString_Check(PyString_FromString("x")) + 1);
        #else
        return PyLong_FromLong(0);
        #endif'''
    assert compiled_probe(tmp_path, 'py2_names', body) == 2
    from theano.gof import lazylinker_c
    assert lazylinker_c.lazylinker_ext is not None  # compiled as Theano was imported


def test_c_code_that_includes_numpys_python2_header_compiles(tmp_path):
    # As the lazy linker does; NumPy 2.0.x's header declares PyInt_Check.
    body = '''
        return PyInt_FromLong(PyInt_Check(PyLong_FromLong(7)) +
                              PyString_Check(PyString_FromString("x")));'''
    assert compiled_probe(tmp_path, 'py2_header', body,
                          header='numpy/npy_3kcompat.h') == 2


def test_numpys_python2_header_names(tmp_path):
    header = tmp_path / 'npy_3kcompat.h'
    header.write_text('#define PyString_Check PyBytes_Check\n'
                      'static inline int PyInt_Check(PyObject *op) {\n'
                      '/* PyInt_AsLong( in a comment */\n')
    assert compat.numpy_c.numpy_3kcompat_names(str(header)) == {'PyString_Check', 'PyInt_Check'}
    assert compat.numpy_c.numpy_3kcompat_names(str(tmp_path / 'missing.h')) == set()


def test_c_code_reads_descriptor_fields(tmp_path):
    body = 'return PyLong_FromLong(PyArray_DescrFromType(NPY_FLOAT64)->elsize);'
    assert compiled_probe(tmp_path, 'descr_fields', body) == 8


def test_c_module_keys_change_with_the_patches():
    from theano.gof.cmodule import GCC_compiler
    flags = GCC_compiler.compile_args()
    assert '-DNPY_TARGET_VERSION=NPY_2_0_API_VERSION' in flags
    assert compat.numpy_c.py2_c_aliases_flag() in flags
    from theano.tensor.basic import MaxAndArgmax
    assert compat.numpy_c.NumpyRavelAxis.name in MaxAndArgmax([0]).c_code_cache_version()


def test_reductions_over_all_axes_in_c():
    x = T.matrix()
    index = T.lvector()
    f = theano.function([x, index], [T.max(x), T.argmax(x), T.extra_ops.cumsum(x),
                                      T.extra_ops.cumprod(x), x[index]])
    ops = {type(node.op).__name__ for node in f.maker.fgraph.toposort()}
    assert {'MaxAndArgmax', 'CumOp', 'AdvancedSubtensor1'} <= ops
    a = np.arange(1, 7, dtype='float32').reshape(2, 3)
    top, where, sums, products, rows = f(a, [1, 0, 1])
    assert top == 6 and where == 5
    np.testing.assert_array_equal(sums, np.cumsum(a))
    np.testing.assert_array_equal(products, np.cumprod(a))
    np.testing.assert_array_equal(rows, a[[1, 0, 1]])
    with pytest.raises(IndexError):
        f(a, [2])  # the bounds check, which takes the extremes of the indices
    assert T.extra_ops.CumOp(axis=None).c_axis == compat.numpy_c.NumpyRavelAxis.ravel_axis


def test_increments_at_integer_indices():
    x, y = T.vector(), T.vector()
    index = T.lvector()
    f = theano.function([x, index, y], T.inc_subtensor(x[index], y))
    assert 'AdvancedIncSubtensor1' in str(f.maker.fgraph.toposort())
    out = f(np.zeros(3, 'float32'), [0, 2, 0], np.ones(3, 'float32'))
    np.testing.assert_array_equal(out, [2, 0, 1])


def test_legacy_convolution_op_compiles():
    from theano.tensor.nnet import conv
    images, filters = T.tensor4(), T.tensor4()
    f = theano.function([images, filters], conv.conv2d(images, filters))
    rng = np.random.RandomState(0)
    a = rng.rand(1, 1, 5, 5).astype('float32')
    k = rng.rand(1, 1, 2, 2).astype('float32')
    expected = sum(a[0, 0, i:i + 4, j:j + 4] * k[0, 0, 1 - i, 1 - j]
                   for i in range(2) for j in range(2))
    np.testing.assert_allclose(f(a, k)[0, 0], expected, rtol=1e-5)


def test_scalar_constants_are_recognised():
    assert T.get_scalar_constant_value(T.constant(2.5)) == 2.5
    # through elementwise ops, as shapes are inferred
    assert T.get_scalar_constant_value(T.cast(T.constant(4), 'int32') * 2) == 8
    assert theano.scalar.basic.complex(2.0, 1.0).owner.op.impl(2.0, 1.0) == 2 + 1j


def test_gradients_and_batch_normalisation_cast_their_constants():
    x = T.vector()
    grads = theano.function([x], T.grad(T.sum(T.arcsin(x) + T.arctan(x) + T.exp2(x)), x))
    np.testing.assert_allclose(grads(np.array([0.0], 'float32')), [2 + np.log(2)], rtol=1e-6)
    assert compat.numpy_names.scalar_type(theano.scalar.float32) is np.float32
    from theano.tensor.nnet import bn
    data = T.matrix()
    out = bn.batch_normalization_train(data, T.ones((1, 2)), T.zeros((1, 2)), axes=(0,))[0]
    normalised = theano.function([data], out)(np.array([[1, 2], [3, 4]], 'float32'))
    np.testing.assert_allclose(normalised, [[-1, -1], [1, 1]], rtol=1e-3)


def test_python_implementations_of_scalar_and_elementwise_ops():
    assert theano.scalar.basic.mul.impl(2, 3, 4) == 24
    counts = T.ivector()  # float results of integers name their types by code
    f = theano.function([counts], T.sqrt(counts), mode=theano.compile.Mode(linker='py'))
    np.testing.assert_allclose(f(np.array([1, 4], 'int32')), [1, 2])
    import numpy as real_numpy
    assert not hasattr(real_numpy, 'cast')  # NumPy itself is left alone


def test_compiling_does_not_warn_about_numpy_core(recwarn):
    import warnings
    warnings.simplefilter('always', DeprecationWarning)
    x = T.vector()
    theano.function([x], T.tanh(x) * 3)
    assert not [w for w in recwarn if 'numpy.core' in str(w.message)]


def test_theano_casts_to_bool_with_numpy_left_as_it_was():
    from theano.scalar import basic
    assert basic.convert_to_bool.ctor is np.bool_
    assert basic.convert_to_bool.impl(3) is np.bool_(True)
    assert compat.numpy_names.NUMPY_BOOL.lent is False
    x = T.vector()
    f = theano.function([x], [T.cast(x, 'bool'), x > 0])
    cast, positive = f(np.array([0, 2, -1], 'float32'))
    assert cast.dtype == positive.dtype == np.bool_
    np.testing.assert_array_equal(cast, [False, True, True])
    # NumPy itself keeps whatever it has (2.x: np.bool is np.bool_)
    assert compat.numpy_names.numpy_has('bool') == (int(np.__version__.split('.')[0]) >= 2 or
                                        np.lib.NumpyVersion(np.__version__) < '1.24.0')


def test_numpy_linalg_linalg_has_linalg_error():
    from numpy.linalg.linalg import LinAlgError
    assert LinAlgError is np.linalg.LinAlgError
    with pytest.raises(ImportError, match='numpy.linalg.svd'):
        from numpy.linalg.linalg import svd  # noqa: F401


# -- Theano on CPython >= 3.12 --------------------------------------------------

def test_theano_works_without_numpy_distutils_and_imp():
    # As on CPython >= 3.12, where neither exists.
    code = """
        import sys
        sys.modules['numpy.distutils'] = sys.modules['imp'] = None
        import facial_keypoints, theano, theano.tensor as T
        import numpy, imp
        from facial_keypoints.upstream import compat
        from theano.tests import breakpoint  # imports imp
        x = T.vector()
        f = theano.function([x], T.extra_ops.cumsum(x * 3))  # compiled with NumPy's headers
        print(f([1, 2])[-1], 'numpy-distutils' in compat.APPLIED, 'imp-module' in compat.APPLIED,
              numpy.distutils.misc_util.get_numpy_include_dirs() == [numpy.get_include()],
              bool(imp.find_module('os')))
        try:
            imp.find_module('no_such_module_here')
        except ImportError:
            print('not-found')
    """
    assert run_python(code) == ['9.0', 'True', 'True', 'True', 'True', 'not-found']


@pytest.mark.skipif(sys.version_info < (3, 12), reason='CPython >= 3.12 has neither')
def test_numpy_distutils_and_imp_are_stand_ins():
    import imp
    import numpy.distutils
    assert numpy.distutils.misc_util.get_numpy_include_dirs() == [np.get_include()]
    assert imp.find_module('os')
    with pytest.raises(ImportError, match='importlib'):
        imp.load_source
