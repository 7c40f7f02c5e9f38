/* ChannelSum: a 4-D float32 tensor summed over axes 0, 2 and 3, accumulated
   in float64 in Theano's order, GROUP channels side by side. In its own block
   (see pool_prepare.c). */
{
    PyArrayObject* x_c = PyArray_GETCONTIGUOUS(%(x)s);
    const npy_intp N = PyArray_DIMS(x_c)[0], C = PyArray_DIMS(x_c)[1];
    const npy_intp P = PyArray_DIMS(x_c)[2] * PyArray_DIMS(x_c)[3];
    if (%(z)s == NULL || PyArray_DIMS(%(z)s)[0] != C || !PyArray_IS_C_CONTIGUOUS(%(z)s)) {
        Py_XDECREF(%(z)s);
        %(z)s = (PyArrayObject*)PyArray_EMPTY(1, &C, %(type)s, 0);
    }
    if (%(z)s == NULL) { Py_XDECREF(x_c); %(fail)s; }
    const npy_float32* xp = (const npy_float32*)PyArray_DATA(x_c);
    dtype_%(z)s* zp = (dtype_%(z)s*)PyArray_DATA(%(z)s);
    const npy_intp G = %(group)d, groups = (C + G - 1) / G;
    #pragma omp parallel for schedule(static)
    for (npy_intp g = 0; g < groups; g++) {
        const npy_intp c0 = g * G, m = C - c0 < G ? C - c0 : G;
        npy_float64 acc[%(group)d] = {0};
        if (m == G) {
            for (npy_intp n = 0; n < N; n++) {
                const npy_float32* b = xp + (n * C + c0) * P;
                for (npy_intp i = 0; i < P; i++)
                    for (npy_intp k = 0; k < G; k++)
                        acc[k] = acc[k] + b[k * P + i];
            }
        } else {
            for (npy_intp k = 0; k < m; k++)
                for (npy_intp n = 0; n < N; n++) {
                    const npy_float32* b = xp + (n * C + c0 + k) * P;
                    for (npy_intp i = 0; i < P; i++)
                        acc[k] = acc[k] + b[i];
                }
        }
        for (npy_intp k = 0; k < m; k++)
            zp[c0 + k] = (dtype_%(z)s)acc[k];
    }
    Py_XDECREF(x_c);
}
