/* Max over non-overlapping windows (NonOverlappingMaxPool). */
    npy_intp dims[4] = {N, C, OH, OW};
    if (%(z)s == NULL || PyArray_NDIM(%(z)s) != 4 || PyArray_DIMS(%(z)s)[0] != N
        || PyArray_DIMS(%(z)s)[1] != C || PyArray_DIMS(%(z)s)[2] != OH
        || PyArray_DIMS(%(z)s)[3] != OW || !PyArray_IS_C_CONTIGUOUS(%(z)s)) {
        Py_XDECREF(%(z)s);
        %(z)s = (PyArrayObject*)PyArray_EMPTY(4, dims, PyArray_TYPE(x_c), 0);
    }
    if (%(z)s == NULL) { Py_XDECREF(x_c); %(fail)s; }
    const dtype_%(x)s* xp = (const dtype_%(x)s*)PyArray_DATA(x_c);
    dtype_%(z)s* zp = (dtype_%(z)s*)PyArray_DATA(%(z)s);
    #pragma omp parallel for schedule(static)
    for (npy_intp nc = 0; nc < N * C; nc++) {
        dtype_%(z)s* zi = zp + nc * OH * OW;
        const dtype_%(x)s* xi = xp + nc * H * W;
        for (npy_intp i = 0; i < OH; i++) {
            for (npy_intp j = 0; j < OW; j++) {
                const dtype_%(x)s* w = xi + i * ph * W + j * pw;
                dtype_%(z)s m, r;
                VALUE(w[0], m);
                for (npy_intp a = 0; a < ph; a++)
                    for (npy_intp b = 0; b < pw; b++) {
                        VALUE(w[a * W + b], r);
                        if (r > m) m = r;
                    }
                zi[i * OW + j] = m;
            }
        }
    }
    Py_XDECREF(x_c);
