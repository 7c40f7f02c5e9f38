/* The start of each pooling op's code (fast_cpu.py): the input, contiguous,
   and the sizes of the input, the windows and the output. In its own block:
   Theano's `fail` is a goto past the op's code, which C++ forbids across
   initialisations in the same scope. */
{
    PyArrayObject* x_c = PyArray_GETCONTIGUOUS(%(x)s);
    npy_intp N = PyArray_DIMS(x_c)[0], C = PyArray_DIMS(x_c)[1];
    npy_intp H = PyArray_DIMS(x_c)[2], W = PyArray_DIMS(x_c)[3];
    const npy_intp ph = %(ph)d, pw = %(pw)d;
    const npy_intp OH = H / ph, OW = W / pw;
