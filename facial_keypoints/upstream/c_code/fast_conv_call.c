/* fast_conv_call.c: the code of each op of fast_conv.py, a template of
   %%(op)s (the op's name, which names its macros in fast_conv_ops.h),
   %%(rest)s (its inputs after the two arrays), the stride %%(sh)d, %%(sw)d
   and Theano's names. In its own block: Theano's `fail` is a goto past the
   op's code, which C++ forbids across initialisations in the same scope. */
{
    PyArrayObject* a_c = PyArray_GETCONTIGUOUS(%(a)s);
    PyArrayObject* b_c = PyArray_GETCONTIGUOUS(%(b)s);
    const npy_intp* da = PyArray_DIMS(a_c);
    const npy_intp* db = PyArray_DIMS(b_c);
    %(op)s_TAKE(%(rest)s)
    fkp_geom g;
    g.sh = %(sh)d; g.sw = %(sw)d;
    %(op)s_GEOMETRY
    if (!%(op)s_MATCH || g.kh < 1 || g.kw < 1 || g.kh > g.H || g.kw > g.W
        || g.OH != (g.H - g.kh) / g.sh + 1 || g.OW != (g.W - g.kw) / g.sw + 1) {
        PyErr_SetString(PyExc_ValueError, "%(op)s: inconsistent shapes");
        %(op)s_RELEASE %(fail)s;
    }
    npy_intp dims[4] = {%(op)s_DIMS};
    /* Reuse the previous output when it has the shape. */
    if (%(out)s == NULL || PyArray_NDIM(%(out)s) != 4
        || PyArray_DIMS(%(out)s)[0] != dims[0] || PyArray_DIMS(%(out)s)[1] != dims[1]
        || PyArray_DIMS(%(out)s)[2] != dims[2] || PyArray_DIMS(%(out)s)[3] != dims[3]
        || !PyArray_IS_C_CONTIGUOUS(%(out)s)) {
        Py_XDECREF(%(out)s);
        %(out)s = (PyArrayObject*)PyArray_EMPTY(4, dims, NPY_FLOAT32, 0);
    }
    if (%(out)s == NULL) { %(op)s_RELEASE %(fail)s; }
    if (%(op)s_CALL(&g, (const float*)PyArray_DATA(a_c), (const float*)PyArray_DATA(b_c),
                    (float*)PyArray_DATA(%(out)s)) != 0) {
        PyErr_NoMemory(); %(op)s_RELEASE %(fail)s;
    }
    %(op)s_RELEASE
}
