#undef VALUE
#undef GRAD
}
