/* libnvrtc.so for libgpuarray 0.7.6: NVRTC, compiling for an architecture it
 * knows when libgpuarray asks for one it does not.
 *
 * libgpuarray opens NVRTC as "libnvrtc.so" and compiles each kernel with the
 * options {"-arch", "compute_XY"}, XY the GPU's compute capability written
 * into 11 bytes (detect_arch in its gpuarray_buffer_cuda.c): capability 10.0
 * and later (Blackwell) come out cut short, as "compute_10" or "compute_12",
 * which no NVRTC accepts, and a GPU newer than the NVRTC is refused as well.
 * PTX is forward compatible: the driver compiles PTX for an older
 * architecture to the GPU's own code when the kernel is loaded. So this
 * library, linked against the real NVRTC (every other function is the real
 * one), compiles for the newest architecture its NVRTC knows that is not
 * newer than the GPU.
 *
 * The GPU is the current context's, as libgpuarray has it current while it
 * compiles, read from the driver libgpuarray has loaded; without one, the
 * capability is read from the option (a cut-short "compute_1N" is N.0: no
 * GPU of capability 1.x runs on a driver that loads this NVRTC's PTX).
 * NVRTC older than 11.2 cannot list its architectures: the options then go
 * through unchanged.
 *
 * Built by scripts/setup-cuda.sh:
 *   cc -shared -fPIC -o libnvrtc.so nvrtc_arch.c -Wl,--no-as-needed \
 *       -l:libnvrtc.so.11.2 -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvrtcResult;
typedef struct _nvrtcProgram *nvrtcProgram;
typedef nvrtcResult (*compile_fn)(nvrtcProgram, int, const char *const *);
typedef nvrtcResult (*count_fn)(int *);
typedef nvrtcResult (*list_fn)(int *);
typedef int (*get_device_fn)(int *);
typedef int (*get_attribute_fn)(int *, int, int);

#define CAPABILITY_MAJOR 75 /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR */
#define CAPABILITY_MINOR 76
#define ARCH_PREFIX "compute_"

/* The capability of the current context's GPU as 10 * major + minor, or 0
 * where no driver is loaded or no context is current. */
static int current_capability(void) {
  const char *names[] = {"libcuda.so.1", "libcuda.so"};
  int device, major, minor, capability = 0;
  size_t i;
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    void *cuda = dlopen(names[i], RTLD_LAZY | RTLD_NOLOAD);
    if (cuda == NULL)
      continue;
    get_device_fn get_device = (get_device_fn)dlsym(cuda, "cuCtxGetDevice");
    get_attribute_fn get_attribute =
        (get_attribute_fn)dlsym(cuda, "cuDeviceGetAttribute");
    if (get_device && get_attribute && get_device(&device) == 0 &&
        get_attribute(&major, CAPABILITY_MAJOR, device) == 0 &&
        get_attribute(&minor, CAPABILITY_MINOR, device) == 0)
      capability = 10 * major + minor;
    dlclose(cuda);
    break;
  }
  return capability;
}

/* The capability an "compute_XY" option names, read as libgpuarray wrote
 * it; 0 where it is no such option. */
static int named_capability(const char *arch) {
  char *end;
  long number;
  if (strncmp(arch, ARCH_PREFIX, strlen(ARCH_PREFIX)) != 0)
    return 0;
  number = strtol(arch + strlen(ARCH_PREFIX), &end, 10);
  if (*end != '\0' || number <= 0)
    return 0;
  return number < 20 ? (int)number * 10 : (int)number;
}

/* The newest architecture the real NVRTC knows that is not newer than
 * `capability`; 0 where it knows none such or cannot say. */
int fkp_nvrtc_arch_for(int capability) {
  count_fn count = (count_fn)dlsym(RTLD_NEXT, "nvrtcGetNumSupportedArchs");
  list_fn list = (list_fn)dlsym(RTLD_NEXT, "nvrtcGetSupportedArchs");
  int n, i, best = 0, *archs;
  if (count == NULL || list == NULL || count(&n) != 0 || n <= 0)
    return 0;
  archs = malloc(n * sizeof(int));
  if (archs == NULL)
    return 0;
  if (list(archs) == 0)
    for (i = 0; i < n; i++)
      if (archs[i] <= capability && archs[i] > best)
        best = archs[i];
  free(archs);
  return best;
}

/* The index of the architecture among `options` ("-arch X" or "-arch=X"),
 * with `*value` pointing at it; -1 where there is none. */
static int arch_option(int count, const char *const *options,
                       const char **value) {
  int i;
  for (i = 0; i < count; i++) {
    if (strcmp(options[i], "-arch") == 0 && i + 1 < count) {
      *value = options[i + 1];
      return i + 1;
    }
    if (strncmp(options[i], "-arch=", 6) == 0) {
      *value = options[i] + 6;
      return i;
    }
  }
  return -1;
}

nvrtcResult nvrtcCompileProgram(nvrtcProgram program, int count,
                                const char *const *options) {
  static compile_fn real = NULL;
  const char *arch = NULL, **changed;
  char replacement[32];
  int at, capability, target;
  nvrtcResult result;

  if (real == NULL)
    real = (compile_fn)dlsym(RTLD_NEXT, "nvrtcCompileProgram");
  at = arch_option(count, options, &arch);
  if (at < 0)
    return real(program, count, options);
  capability = current_capability();
  if (capability == 0)
    capability = named_capability(arch);
  target = fkp_nvrtc_arch_for(capability);
  snprintf(replacement, sizeof(replacement), "%s%s%d",
           arch == options[at] ? "" : "-arch=", ARCH_PREFIX, target);
  if (target == 0 || strcmp(replacement, options[at]) == 0)
    return real(program, count, options);
  changed = malloc(count * sizeof(char *));
  if (changed == NULL)
    return real(program, count, options);
  memcpy(changed, options, count * sizeof(char *));
  changed[at] = replacement;
  result = real(program, count, changed);
  free(changed);
  return result;
}
