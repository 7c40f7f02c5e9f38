/* mrg_uniform.c: Theano's cpu_rng_mrg_uniform_<dtype>, the streams a
   round at a time and shared among OpenMP's threads; a template of
   %%(dtype)s and %%(norm)s (Theano's scale for the type), after
   mrg_step.h and FKP_MRG_PARALLEL_MIN. */
void cpu_rng_mrg_uniform_%(dtype)s(PyArrayObject* o_sample, PyArrayObject* o_rstate,
                                   npy_int64 n_elements, int n_streams)
{
    FKP_MRG_CONSTANTS
    %(dtype)s* sample = (%(dtype)s*)PyArray_DATA(o_sample);
    npy_int32* state = (npy_int32*)PyArray_DATA(o_rstate);
    const npy_int64 used = n_elements < n_streams ? n_elements : n_streams;
    npy_int32* v = (npy_int32*)malloc((used > 0 ? used : 1) * 6 * sizeof(npy_int32));
    if (v == NULL) {  /* Theano's order, without the state arrays */
        for (npy_int64 i = 0; i < n_elements; i++) {
            npy_int32* st = state + (i %% n_streams) * 6;
            npy_int32 x11 = st[0], x12 = st[1], x13 = st[2], x21 = st[3], x22 = st[4], x23 = st[5];
            npy_int32 u;
            FKP_MRG_STEP(u)
            sample[i] = u * %(norm)s;
            st[0] = x11; st[1] = x12; st[2] = x13; st[3] = x21; st[4] = x22; st[5] = x23;
        }
        return;
    }
    npy_int32 *v11 = v, *v12 = v + used, *v13 = v + 2 * used;
    npy_int32 *v21 = v + 3 * used, *v22 = v + 4 * used, *v23 = v + 5 * used;
    for (npy_int64 k = 0; k < used; k++) {
        v11[k] = state[6 * k]; v12[k] = state[6 * k + 1]; v13[k] = state[6 * k + 2];
        v21[k] = state[6 * k + 3]; v22[k] = state[6 * k + 4]; v23[k] = state[6 * k + 5];
    }
    /* Streams are independent: threads take ranges of them, in multiples
       of 16 (whole cache lines of the states and of each round's numbers). */
    #pragma omp parallel if (n_elements >= FKP_MRG_PARALLEL_MIN)
    {
        npy_int64 k0 = 0, k1 = used;
#ifdef _OPENMP
        const int parts = omp_get_num_threads(), part = omp_get_thread_num();
        const npy_int64 step = ((used + parts - 1) / parts + 15) / 16 * 16;
        k0 = part * step < used ? part * step : used;
        k1 = k0 + step < used ? k0 + step : used;
#endif
        for (npy_int64 base = 0; base < n_elements; base += n_streams) {
            const npy_int64 m = n_elements - base < used ? n_elements - base : used;
            const npy_int64 end = m < k1 ? m : k1;
            %(dtype)s* out = sample + base;
            for (npy_int64 k = k0; k < end; k++) {
                npy_int32 x11 = v11[k], x12 = v12[k], x13 = v13[k];
                npy_int32 x21 = v21[k], x22 = v22[k], x23 = v23[k];
                npy_int32 u;
                FKP_MRG_STEP(u)
                out[k] = u * %(norm)s;
                v11[k] = x11; v12[k] = x12; v13[k] = x13;
                v21[k] = x21; v22[k] = x22; v23[k] = x23;
            }
        }
    }
    for (npy_int64 k = 0; k < used; k++) {
        state[6 * k] = v11[k]; state[6 * k + 1] = v12[k]; state[6 * k + 2] = v13[k];
        state[6 * k + 3] = v21[k]; state[6 * k + 4] = v22[k]; state[6 * k + 5] = v23[k];
    }
    free(v);
}
