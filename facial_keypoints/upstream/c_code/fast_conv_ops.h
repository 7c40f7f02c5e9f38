/* fast_conv_ops.h: what each op of facial_keypoints/upstream/fast_conv.py
   takes, checks and computes, for fast_conv_call.c, as macros named after
   the op: TAKE(...), its inputs after the two arrays; RELEASE, what it frees;
   GEOMETRY, the geometry g from the two arrays' shapes da and db (and the
   sizes s0 and s1); MATCH, what the shapes must satisfy besides what every
   op checks; DIMS, the output's shape; CALL(g, a, b, out), the function of
   fast_conv.c that computes it. After fast_conv.c. */

#define FastCorr_TAKE()
#define FastCorr_RELEASE Py_XDECREF(a_c); Py_XDECREF(b_c);
#define FastCorr_GEOMETRY \
    g.N = da[0]; g.C = da[1]; g.H = da[2]; g.W = da[3]; \
    g.K = db[0]; g.kh = db[2]; g.kw = db[3]; \
    g.OH = (g.H - g.kh) / g.sh + 1; g.OW = (g.W - g.kw) / g.sw + 1;
#define FastCorr_MATCH (db[1] == g.C)
#define FastCorr_DIMS g.N, g.K, g.OH, g.OW
#define FastCorr_CALL(g, a, b, out) fkp_forward(g, a, b, out, NULL)

/* The bias, added to each piece's outputs while they are in the core's cache. */
#define FastCorrBias_TAKE(bias) PyArrayObject* c_c = PyArray_GETCONTIGUOUS(bias);
#define FastCorrBias_RELEASE Py_XDECREF(a_c); Py_XDECREF(b_c); Py_XDECREF(c_c);
#define FastCorrBias_GEOMETRY FastCorr_GEOMETRY
#define FastCorrBias_MATCH (db[1] == g.C && PyArray_DIMS(c_c)[0] == g.K)
#define FastCorrBias_DIMS FastCorr_DIMS
#define FastCorrBias_CALL(g, a, b, out) \
    fkp_forward(g, a, b, out, (const float*)PyArray_DATA(c_c))

/* The gradients take the two sizes the arrays do not give. */
#define FKP_SIZES(h, w) \
    const npy_intp s0 = PyArray_PyIntAsIntp((PyObject*)(h)); \
    const npy_intp s1 = PyArray_PyIntAsIntp((PyObject*)(w));
#define FastCorrGradWeights_TAKE FKP_SIZES
#define FastCorrGradInputs_TAKE FKP_SIZES
#define FastCorrGradWeights_RELEASE FastCorr_RELEASE
#define FastCorrGradInputs_RELEASE FastCorr_RELEASE
#define FastCorrGradWeights_CALL fkp_grad_weights
#define FastCorrGradInputs_CALL fkp_grad_inputs

#define FastCorrGradWeights_GEOMETRY \
    g.N = da[0]; g.C = da[1]; g.H = da[2]; g.W = da[3]; \
    g.K = db[1]; g.OH = db[2]; g.OW = db[3]; g.kh = s0; g.kw = s1;
#define FastCorrGradWeights_MATCH (db[0] == g.N)
#define FastCorrGradWeights_DIMS g.K, g.C, g.kh, g.kw

#define FastCorrGradInputs_GEOMETRY \
    g.K = da[0]; g.C = da[1]; g.kh = da[2]; g.kw = da[3]; \
    g.N = db[0]; g.OH = db[2]; g.OW = db[3]; g.H = s0; g.W = s1;
#define FastCorrGradInputs_MATCH (db[1] == g.K)
#define FastCorrGradInputs_DIMS g.N, g.C, g.H, g.W
