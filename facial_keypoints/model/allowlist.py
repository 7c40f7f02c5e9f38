"""The globals a pickle of a trained net may name: the allowlist.

Unpickling calls what a file names. A pickle read by
:mod:`.unpickling` may name only the exact ``(module, name)`` pairs below,
as today's modules name them (:data:`.unpickling.MOVED` maps the paths of
earlier releases first); a name that walks attributes (``a.b``) is never
one of them.

:data:`ALLOWED` are imported and used: the classes that hold a net's data
(nolearn's NeuralNet, Lasagne's layers, Theano's shared variables and
types, NumPy's arrays and generators, this package's callbacks, settings
and training state) and the functions a net names (nonlinearities, loss,
update rule). Some of them stand in as they load
(:data:`facial_keypoints.upstream.pickled.STAND_INS`).

:data:`COMPILED` are the parts of Theano's compiled functions and graphs,
which pickles of earlier releases and of ``pickle.dump`` hold: nothing of
them is imported or built; each stands in as inert data and the functions
are compiled afresh from the net's layers.

Both lists are what the package's own nets name: every net of the registry,
the specialists, nets trained with ``--all-rows``, on the CPU and on a GPU
(``tests/test_unpickling.py`` checks that each global they name is here).
Imports nothing.
"""

ALLOWED = {
    '_codecs': {'encode'},  # protocol 2's bytes
    'builtins': {'frozenset', 'set', 'slice'},  # protocol 2's sets
    'collections': {'OrderedDict'},
    'facial_keypoints.model.masked': {'masked_squared_error'},
    'facial_keypoints.model.settings': {'RunSettings'},
    'facial_keypoints.model.state': {'TrainingState'},
    'facial_keypoints.tutorial.callbacks': {'AdjustVariable', 'EarlyStopping'},
    'facial_keypoints.tutorial.iterators': {'FlipBatchIterator'},
    'lasagne.layers.conv': {'Conv2DLayer'},
    'lasagne.layers.dense': {'DenseLayer'},
    'lasagne.layers.input': {'InputLayer'},
    'lasagne.layers.noise': {'DropoutLayer'},
    'lasagne.layers.pool': {'MaxPool2DLayer'},
    'lasagne.nonlinearities': {
        'LeakyRectify', 'identity', 'leaky_rectify', 'linear', 'rectify', 'sigmoid',
        'softmax', 'tanh', 'very_leaky_rectify'},
    'lasagne.objectives': {'squared_error'},
    'lasagne.updates': {'nesterov_momentum'},
    'nolearn.lasagne.base': {
        'BatchIterator', 'Layers', 'NeuralNet', 'TrainSplit', '_dict', '_list',
        'objective'},
    'nolearn.lasagne.handlers': {'PrintLayerInfo', 'PrintLog'},
    'numpy': {
        'bool_', 'dtype', 'float16', 'float32', 'float64', 'int16', 'int32', 'int64',
        'int8', 'ndarray', 'uint16', 'uint32', 'uint64', 'uint8'},
    'numpy._core.multiarray': {'_reconstruct', 'scalar'},
    'numpy._core.numeric': {'_frombuffer'},
    'numpy.core.multiarray': {'_reconstruct', 'scalar'},
    'numpy.core.numeric': {'_frombuffer'},
    'numpy.random._mt19937': {'MT19937'},
    'numpy.random._pickle': {'__bit_generator_ctor', '__randomstate_ctor'},
    'numpy.random.bit_generator': {'SeedSequence', '__pyx_unpickle_SeedSequence'},
    'theano.gof.link': {'Container'},
    'theano.gof.utils': {'scratchpad'},
    'theano.gpuarray.type': {'GpuArraySharedVariable', 'GpuArrayType', 'GpuArray_unpickler'},
    'theano.sandbox.rng_mrg': {'MRG_RandomStreams'},
    'theano.tensor.nnet': {'conv2d'},
    'theano.tensor.sharedvar': {'TensorSharedVariable'},
    'theano.tensor.type': {'TensorType'},
    'theano.tensor.var': {'TensorVariable'},}

COMPILED = {
    'facial_keypoints.upstream.fast_conv': {
        'FastCorr', 'FastCorrBias', 'FastCorrGradInputs', 'FastCorrGradWeights'},
    'facial_keypoints.upstream.fast_cpu': {
        'ChannelSum', 'MRGUniform', 'NonOverlappingMaxPool', 'NonOverlappingMaxPoolGrad',
        'ParallelElemwise', 'RectifiedMaxPool', 'RectifiedMaxPoolGrad'},
    'facial_keypoints.upstream.fast_gemm': {
        'ParallelDot22', 'ParallelDot22Scalar', 'ParallelGemm'},
    'pygpu.gpuarray': {'GpuArray'},
    'theano.compile.function_module': {
        'Function', 'FunctionMaker', 'Supervisor', '_constructor_Function'},
    'theano.compile.io': {'In', 'SymbolicOutput'},
    'theano.compile.mode': {'Mode'},
    'theano.compile.ops': {'DeepCopyOp', 'Rebroadcast', 'Shape', 'Shape_i'},
    'theano.gof.destroyhandler': {'DestroyHandler'},
    'theano.gof.fg': {'FunctionGraph'},
    'theano.gof.graph': {'Apply'},
    'theano.gof.opt': {'MergeFeature', '_metadict'},
    'theano.gof.optdb': {'Query'},
    'theano.gof.toolbox': {'PreserveVariableAttributes', 'ReplaceValidate'},
    'theano.gof.vm': {'VM_Linker'},
    'theano.gpuarray.basic_ops': {
        'GpuAllocEmpty', 'GpuContiguous', 'GpuFromHost', 'GpuReshape', 'HostFromGpu',
        'Kernel'},
    'theano.gpuarray.blas': {
        'GpuCorrMM', 'GpuCorrMM_gradInputs', 'GpuCorrMM_gradWeights', 'GpuDot22',
        'GpuGemm'},
    'theano.gpuarray.elemwise': {'GpuCAReduceCPY', 'GpuDimShuffle', 'GpuElemwise'},
    'theano.gpuarray.pool': {'GpuMaxPoolGrad', 'GpuPool'},
    'theano.gpuarray.rng_mrg': {'GPUA_mrg_uniform'},
    'theano.gpuarray.subtensor': {'GpuSubtensor'},
    'theano.gpuarray.type': {'GpuArrayConstant', 'GpuArraySignature', 'GpuArrayVariable'},
    'theano.gradient': {'UndefinedGrad'},
    'theano.misc.frozendict': {'frozendict'},
    'theano.misc.ordered_set': {'Link', 'OrderedSet'},
    'theano.sandbox.rng_mrg': {'mrg_uniform'},
    'theano.scalar.basic': {
        'Abs', 'Add', 'Cast', 'Composite', 'EQ', 'GE', 'Identity', 'IntDiv', 'Invert',
        'IsNan', 'LT', 'Maximum', 'Mul', 'Neg', 'Pow', 'Scalar', 'ScalarConstant',
        'ScalarVariable', 'Second', 'Sgn', 'Sqr', 'Sub', 'Switch', 'TrueDiv', 'same_out',
        'same_out_nobool', 'specific_out', 'transfer_type', 'upcast_out',
        'upcast_out_min8', 'upcast_out_nobool'},
    'theano.tensor.basic': {
        'Dot', 'Join', 'Reshape', 'ScalarFromTensor', 'TensorFromScalar'},
    'theano.tensor.blas': {'Dot22', 'Dot22Scalar', 'Gemm'},
    'theano.tensor.elemwise': {'DimShuffle', 'Elemwise', 'Sum'},
    'theano.tensor.nnet.abstract_conv': {
        'AbstractConv2d', 'AbstractConv2d_gradInputs', 'AbstractConv2d_gradWeights'},
    'theano.tensor.nnet.corr': {'CorrMM', 'CorrMM_gradInputs', 'CorrMM_gradWeights'},
    'theano.tensor.opt': {'MakeVector', 'ShapeFeature'},
    'theano.tensor.signal.pool': {'MaxPoolGrad', 'Pool'},
    'theano.tensor.subtensor': {'Subtensor'},
    'theano.tensor.type': {
        'values_eq_approx_always_true', 'values_eq_approx_remove_inf_nan',
        'values_eq_approx_remove_nan'},
    'theano.tensor.var': {'TensorConstant', 'TensorConstantSignature'},
}
