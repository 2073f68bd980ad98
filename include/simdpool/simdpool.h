/* simdpool: SIMD pooling kernels for neural networks. C API (stable ABI).
 *
 * Every function returns a status; on failure nothing is written to the
 * caller's outputs and simdpool_last_error() returns a message that names the
 * parameter, its value and the rule, e.g.
 *   "kernel[1]=0: kernel must be >= 1".
 *
 * Semantics follow PyTorch 1.13 (see docs/semantics.md): max pooling returns
 * the first maximum in scan order (NaN propagates, its index is the last NaN),
 * indices are flat offsets inside one (n, c) plane (int64 by default, int32
 * on request); average pooling sums in scan order and divides once by the
 * PyTorch divisor. Results are bit-identical on every SIMD target and to the
 * scalar reference.
 */
#ifndef SIMDPOOL_SIMDPOOL_H_
#define SIMDPOOL_SIMDPOOL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIMDPOOL_MAX_SPATIAL_RANK 3

typedef enum simdpool_status {
  SIMDPOOL_OK = 0,
  SIMDPOOL_INVALID_ARGUMENT = 1, /* the problem or a buffer is invalid */
  SIMDPOOL_UNSUPPORTED = 2,      /* valid, but not implemented yet */
  SIMDPOOL_OUT_OF_MEMORY = 3,
} simdpool_status;

typedef enum simdpool_op {
  SIMDPOOL_OP_MAX = 0, /* max pooling, optionally with indices */
  SIMDPOOL_OP_AVG = 1, /* average pooling */
} simdpool_op;

typedef enum simdpool_layout {
  SIMDPOOL_LAYOUT_NCHW = 0, /* channels first: N, C, [D,] [H,] W */
  SIMDPOOL_LAYOUT_NHWC = 1, /* channels last:  N, [D,] [H,] W, C */
} simdpool_layout;

typedef enum simdpool_dtype {
  SIMDPOOL_DTYPE_F32 = 0,
} simdpool_dtype;

typedef enum simdpool_pad_limit {
  /* PyTorch: every pad <= floor(dilated_kernel / 2), with
   * dilated_kernel = dilation * (kernel - 1) + 1 (newer PyTorch 2-D rule). */
  SIMDPOOL_PAD_LIMIT_TORCH = 0,
  /* ONNX / TensorFlow: any pad >= 0. A max window without any input element
   * gives -inf and index -1; an empty average window gives 0. */
  SIMDPOOL_PAD_LIMIT_NONE = 1,
} simdpool_pad_limit;

/* The element type of max pooling's indices. Both hold the same values
 * (PyTorch's flat offsets inside one (n, c) plane); int32 halves the bytes
 * written and needs planes of at most 2^31 elements. */
typedef enum simdpool_index_type {
  SIMDPOOL_INDEX_INT64 = 0, /* PyTorch's dtype */
  SIMDPOOL_INDEX_INT32 = 1,
} simdpool_index_type;

/* One pooling problem. Initialise with simdpool_problem_init(), then set the
 * fields. Spatial arrays hold the outermost axis first: for rank 2 index 0 is
 * H and index 1 is W; entries at index >= spatial_rank are ignored.
 * The fields that take an enum's constants are int32_t, not the enum type:
 * whatever a caller (or an FFI binding) stores there, the library can read
 * it and reject a value outside the enum, which C++ forbids for an enum. */
typedef struct simdpool_problem {
  int32_t op;           /* simdpool_op */
  int32_t layout;       /* simdpool_layout */
  int32_t dtype;        /* simdpool_dtype */
  int32_t spatial_rank; /* 2 (1 and 3 are reserved for later releases) */
  int64_t batch;        /* N >= 0 (0 gives an empty output) */
  int64_t channels;     /* C >= 1 */
  int64_t input[SIMDPOOL_MAX_SPATIAL_RANK];  /* spatial input sizes >= 1 */
  int64_t kernel[SIMDPOOL_MAX_SPATIAL_RANK]; /* >= 1 */
  int64_t stride[SIMDPOOL_MAX_SPATIAL_RANK]; /* >= 1, or 0 for "= kernel" */
  int64_t pad_begin[SIMDPOOL_MAX_SPATIAL_RANK]; /* >= 0 */
  int64_t pad_end[SIMDPOOL_MAX_SPATIAL_RANK];   /* >= 0 */
  int64_t dilation[SIMDPOOL_MAX_SPATIAL_RANK];  /* >= 1 (max only) */
  int32_t ceil_mode;         /* 0: floor output sizes, 1: ceil */
  int32_t count_include_pad; /* avg: count padding cells in the divisor */
  int64_t divisor_override;  /* avg: 0 = none, else the divisor (may be < 0) */
  int32_t pad_limit;         /* simdpool_pad_limit */
  int32_t index_type;        /* simdpool_index_type; max: type of the indices */
  int64_t reserved[6];       /* must be 0: room for later fields */
} simdpool_problem;

/* Sets PyTorch's defaults: op max, rank 2, NCHW, f32, batch 1, channels 1,
 * sizes/kernel 1, stride 0 (= kernel), dilation 1, no padding, floor mode,
 * count_include_pad 1, no divisor override, PyTorch pad limit, int64
 * indices. */
void simdpool_problem_init(simdpool_problem* problem);

/* Output tensor shape in the problem's memory layout: rank = spatial_rank + 2,
 * dims in memory order (N, C, H, W for NCHW; N, H, W, C for NHWC). */
typedef struct simdpool_shape {
  int32_t rank;
  int64_t dims[SIMDPOOL_MAX_SPATIAL_RANK + 2];
  int64_t elements; /* product of dims */
} simdpool_shape;

/* Validates `problem` and, if output_shape is not NULL, writes the output
 * shape. Runs nothing. */
simdpool_status simdpool_validate(const simdpool_problem* problem,
                                  simdpool_shape* output_shape);

/* Runs `problem` on the active target (see simdpool_force_target; if the
 * SIMDPOOL_TARGET environment variable names an unusable target, every run
 * fails with a message saying so until a target is forced). src holds the input tensor, dst receives the output tensor
 * (both dense, in the problem's layout and dtype). For max pooling, indices
 * (optional, NULL to skip) receives one index of problem->index_type per
 * output element: the flat offset of the selected element inside its (n, c)
 * plane (h * W + w), or -1 for a window without any input element. Buffers
 * must not overlap. */
simdpool_status simdpool_run(const simdpool_problem* problem, const void* src,
                             void* dst, void* indices);

/* ---- Plans: validate and plan once, run many times -------------------- */

/* A validated problem with its window tables and divisors, made once and run
 * any number of times, as oneDNN's primitives and XNNPACK's operators are.
 * simdpool_run plans its problem anew at every call; on small tensors that
 * planning takes longer than the pooling. Opaque. */
typedef struct simdpool_plan simdpool_plan;

/* Validates `problem` and makes a plan of it in *plan (which the caller
 * releases with simdpool_plan_destroy). On failure *plan is set to NULL and
 * the status and message are those simdpool_validate gives (or
 * SIMDPOOL_OUT_OF_MEMORY). */
simdpool_status simdpool_plan_create(const simdpool_problem* problem,
                                     simdpool_plan** plan);

/* Runs a plan: the same as simdpool_run on the plan's problem, with the same
 * buffer rules, on the target active at this call. A plan is only read, so
 * several threads may run one plan at once. */
simdpool_status simdpool_plan_run(const simdpool_plan* plan, const void* src,
                                  void* dst, void* indices);

/* Releases a plan; NULL is ignored. */
void simdpool_plan_destroy(simdpool_plan* plan);

/* The message of the last status-returning call on this thread ("" after a
 * success). */
const char* simdpool_last_error(void);

/* Writes the problem descriptor string (e.g.
 * "mb1ic64_ih112iw112_kh3kw3_sh2sw2_ph1pw1_max_nchw_f32"),
 * truncated to capacity - 1 characters and NUL-terminated. Returns the
 * length of the full string. */
size_t simdpool_problem_to_string(const simdpool_problem* problem, char* buf,
                                  size_t capacity);

/* ---- SIMD targets ------------------------------------------------------ */

typedef enum simdpool_target_list {
  SIMDPOOL_TARGETS_COMPILED = 0,  /* compiled into this library */
  SIMDPOOL_TARGETS_SUPPORTED = 1, /* compiled and supported by this CPU */
} simdpool_target_list;

/* Writes up to `capacity` target names (static strings, best first, e.g.
 * "AVX3", "AVX2", "SSE4", "SSSE3", "SCALAR", then the pseudo-target
 * "reference") and returns how many targets the list has. */
size_t simdpool_targets(simdpool_target_list which, const char** names,
                        size_t capacity);

/* The target the next simdpool_run() or simdpool_plan_run() will use on this
 * CPU. */
const char* simdpool_active_target(void);

/* Forces a target by name (case-insensitive; "reference" runs the scalar
 * reference through the same API). NULL, "" or "auto" restores automatic
 * selection (the best supported target). Fails, changing nothing, for a
 * target that is not compiled in or not supported by this CPU. The
 * environment variable SIMDPOOL_TARGET, read once at the first call into the
 * library, sets the initial choice the same way. Process-wide. */
simdpool_status simdpool_force_target(const char* name);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SIMDPOOL_SIMDPOOL_H_ */
