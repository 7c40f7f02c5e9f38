/* The value a pooling op pools for an input element v, VALUE(v, r), and the
   input's gradient given what the pooling's gradient gives the value (g:
   the window's gz or 0), GRAD(g, v, r): here the element itself. */
    #define VALUE(v, r) (r) = (v);
    #define GRAD(g, v, r) (r) = (g);
