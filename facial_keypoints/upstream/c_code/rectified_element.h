/* The rectified pooling ops' element (fast_cpu.py): the constant of Lasagne's
   rectifier, 0.5 * (x + abs(x)); the macros VALUE and GRAD that follow are
   Theano's fused rectifier and its gradient. */
    const npy_float32 half = 0.5f;
