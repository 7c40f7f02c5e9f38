/* A stand-in for the NVIDIA driver's libcuda.so.1, for tests without a GPU:
 * a current context on one GPU whose compute capability is the environment's
 * FKP_FAKE_CAPABILITY ("12.0"). It has what nvrtc_arch.c reads, no more. */
#include <stdio.h>
#include <stdlib.h>

int cuCtxGetDevice(int *device) {
  *device = 0;
  return 0;
}

int cuDeviceGetAttribute(int *value, int attribute, int device) {
  const char *capability = getenv("FKP_FAKE_CAPABILITY");
  int major, minor;
  if (device != 0 || capability == NULL ||
      sscanf(capability, "%d.%d", &major, &minor) != 2)
    return 1; /* CUDA_ERROR_INVALID_VALUE */
  if (attribute == 75)
    *value = major;
  else if (attribute == 76)
    *value = minor;
  else
    return 1;
  return 0;
}
