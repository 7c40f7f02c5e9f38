/* Its gradient (NonOverlappingMaxPoolGrad): gz where x equals its window's
   maximum (every tied maximum, as Theano's), else 0. */
    PyArrayObject* z_c = PyArray_GETCONTIGUOUS(%(maxout)s);
    PyArrayObject* gz_c = PyArray_GETCONTIGUOUS(%(gz)s);
    if (%(gx)s == NULL || !PyArray_SAMESHAPE(%(gx)s, x_c)
        || !PyArray_IS_C_CONTIGUOUS(%(gx)s)) {
        Py_XDECREF(%(gx)s);
        %(gx)s = (PyArrayObject*)PyArray_EMPTY(4, PyArray_DIMS(x_c), PyArray_TYPE(x_c), 0);
    }
    if (%(gx)s == NULL) { Py_XDECREF(x_c); Py_XDECREF(z_c); Py_XDECREF(gz_c); %(fail)s; }
    const dtype_%(x)s* xp = (const dtype_%(x)s*)PyArray_DATA(x_c);
    const dtype_%(maxout)s* zp = (const dtype_%(maxout)s*)PyArray_DATA(z_c);
    const dtype_%(gz)s* gzp = (const dtype_%(gz)s*)PyArray_DATA(gz_c);
    dtype_%(gx)s* gxp = (dtype_%(gx)s*)PyArray_DATA(%(gx)s);
    const dtype_%(gz)s zero = 0;
    #pragma omp parallel for schedule(static)
    for (npy_intp nc = 0; nc < N * C; nc++) {
        const dtype_%(x)s* xi = xp + nc * H * W;
        dtype_%(gx)s* gi = gxp + nc * H * W;
        for (npy_intp i = 0; i < OH; i++) {
            for (npy_intp j = 0; j < OW; j++) {
                const dtype_%(maxout)s m = zp[nc * OH * OW + i * OW + j];
                const dtype_%(gz)s g = gzp[nc * OH * OW + i * OW + j];
                for (npy_intp a = 0; a < ph; a++) {
                    npy_intp k = (i * ph + a) * W + j * pw;
                    for (npy_intp b = 0; b < pw; b++, k++) {
                        dtype_%(x)s r;
                        VALUE(xi[k], r);
                        GRAD((r == m) ? g : zero, xi[k], gi[k]);
                    }
                }
            }
        }
        for (npy_intp i = 0; i < H; i++)  /* rows and columns no window covers */
            for (npy_intp j = (i < OH * ph) ? OW * pw : 0; j < W; j++)
                GRAD(zero, xi[i * W + j], gi[i * W + j]);
    }
    Py_XDECREF(x_c); Py_XDECREF(z_c); Py_XDECREF(gz_c);
