/* mrg_step.h: the MRG31k3p generator's constants and one step, for
   mrg_uniform.c (see facial_keypoints/upstream/fast_cpu.py). */
#ifdef _OPENMP
#include <omp.h>
#endif

#define FKP_MRG_CONSTANTS \
    const npy_int32 i7 = 7, i9 = 9, i15 = 15, i16 = 16, i22 = 22, i24 = 24; \
    const npy_int32 M1 = 2147483647, M2 = 2147462579; \
    const npy_int32 MASK12 = 511, MASK13 = 16777215, MASK2 = 65535, MULT2 = 21069;

/* One MRG31k3p step of the state (x11 .. x23), Theano's arithmetic with
   its tests "if (y < 0 || y >= M) y -= M" as selections; the number,
   before scaling, into `u`. */
#define FKP_MRG_STEP(u) { \
    npy_int32 y1, y2; \
    y1 = ((x12 & MASK12) << i22) + (x12 >> i9) + ((x13 & MASK13) << i7) + (x13 >> i24); \
    y1 -= ((y1 < 0) | (y1 >= M1)) ? M1 : 0; \
    y1 += x13; \
    y1 -= ((y1 < 0) | (y1 >= M1)) ? M1 : 0; \
    x13 = x12; x12 = x11; x11 = y1; \
    y1 = ((x21 & MASK2) << i15) + (MULT2 * (x21 >> i16)); \
    y1 -= ((y1 < 0) | (y1 >= M2)) ? M2 : 0; \
    y2 = ((x23 & MASK2) << i15) + (MULT2 * (x23 >> i16)); \
    y2 -= ((y2 < 0) | (y2 >= M2)) ? M2 : 0; \
    y2 += x23; \
    y2 -= ((y2 < 0) | (y2 >= M2)) ? M2 : 0; \
    y2 += y1; \
    y2 -= ((y2 < 0) | (y2 >= M2)) ? M2 : 0; \
    x23 = x22; x22 = x21; x21 = y2; \
    u = x11 - x21 + ((x11 <= x21) ? M1 : 0); }
