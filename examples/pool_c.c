/* simdpool C API example (C99, uses only simdpool.h).
 *
 * Pools a 1x2x4x4 NCHW tensor with 2x2 max pooling (with indices) and with
 * 3x3 / stride 1 / padding 1 average pooling, prints the results, compares
 * them with values worked out by hand (below) and exits non-zero on any
 * difference or unexpected status. Also shows an invalid problem and its
 * error message, and the SIMD targets.
 */
#include <inttypes.h>
#include <stdio.h>

#include "simdpool/simdpool.h"

enum { kN = 1, kC = 2, kH = 4, kW = 4 };

/* Input, NCHW. Channel 0 is 1..16 row by row. Channel 1 has ties. */
static const float kInput[kN * kC * kH * kW] = {
    /* c = 0 */
    1, 2, 3, 4,
    5, 6, 7, 8,
    9, 10, 11, 12,
    13, 14, 15, 16,
    /* c = 1 */
    0, 0, 1, 9,
    0, 0, 9, 1,
    7, 7, 2, 2,
    7, 5, 2, 2,
};

/* 2x2 max pooling, stride 2 (the default stride = kernel): 2x2 output per
 * channel. An index is the offset h * 4 + w inside the channel's 4x4 plane.
 * Channel 0: the largest value of each block is its bottom-right element:
 *   6 (h1,w1 -> 5), 8 (h1,w3 -> 7), 14 (h3,w1 -> 13), 16 (h3,w3 -> 15).
 * Channel 1: ties keep the first element in row-major order:
 *   block {0,0,0,0}  -> 0 at (0,0) = 0
 *   block {1,9,9,1}  -> 9 at (0,3) = 3 (not (1,2) = 6)
 *   block {7,7,7,5}  -> 7 at (2,0) = 8
 *   block {2,2,2,2}  -> 2 at (2,2) = 10 */
static const float kMaxExpected[kC * 2 * 2] = {6, 8, 14, 16, 0, 9, 7, 2};
static const int64_t kIndexExpected[kC * 2 * 2] = {5, 7, 13, 15, 0, 3, 8, 10};

/* 3x3 average pooling, stride 1, padding 1: 4x4 output per channel. Each
 * window covers the 3x3 block centred on the output position; the padding
 * cells add nothing to the sum but count in the divisor
 * (count_include_pad = 1, the default), so every divisor is 9.
 * The sums of the input cells inside each window: */
static const float kAvgSums[kC * kH * kW] = {
    /* c = 0, e.g. corner (0,0): 1+2+5+6 = 14; centre (1,1): 1+2+3+5+6+7+9+10+11 = 54 */
    14, 24, 30, 22,
    33, 54, 63, 45,
    57, 90, 99, 69,
    46, 72, 78, 54,
    /* c = 1, e.g. (1,1): 0+0+1 + 0+0+9 + 7+7+2 = 26 */
    0, 10, 20, 20,
    14, 26, 31, 24,
    26, 39, 30, 18,
    26, 30, 20, 8,
};

static int g_failures = 0;

/* Returns 1 if status is SIMDPOOL_OK, else prints the error and returns 0. */
static int Check(simdpool_status status, const char* what) {
  if (status == SIMDPOOL_OK) return 1;
  fprintf(stderr, "%s failed (status %d): %s\n", what, (int)status, simdpool_last_error());
  ++g_failures;
  return 0;
}

static void PrintProblem(const simdpool_problem* p) {
  char name[256];
  simdpool_problem_to_string(p, name, sizeof(name));
  printf("%s\n", name);
}

static void PrintShape(const simdpool_shape* s) {
  int i;
  printf("  output shape (");
  for (i = 0; i < s->rank; ++i) printf(i ? ", %" PRId64 : "%" PRId64, s->dims[i]);
  printf("), %" PRId64 " elements\n", s->elements);
}

static void ExpectShape(const simdpool_shape* s, int64_t oh, int64_t ow) {
  if (s->rank != 4 || s->dims[0] != kN || s->dims[1] != kC || s->dims[2] != oh ||
      s->dims[3] != ow || s->elements != kN * kC * oh * ow) {
    fprintf(stderr, "  unexpected output shape\n");
    ++g_failures;
  }
}

static void MaxExample(void) {
  simdpool_problem p;
  simdpool_shape shape;
  float dst[kN * kC * 2 * 2];
  int64_t indices[kN * kC * 2 * 2];
  int c, i;

  simdpool_problem_init(&p); /* max, NCHW, f32, stride = kernel, no padding */
  p.batch = kN;
  p.channels = kC;
  p.input[0] = kH;
  p.input[1] = kW;
  p.kernel[0] = 2;
  p.kernel[1] = 2;

  printf("2x2 max pooling: ");
  PrintProblem(&p);
  if (!Check(simdpool_validate(&p, &shape), "simdpool_validate (max)")) return;
  PrintShape(&shape);
  ExpectShape(&shape, 2, 2);
  if (!Check(simdpool_run(&p, kInput, dst, indices), "simdpool_run (max)")) return;

  for (c = 0; c < kC; ++c) {
    printf("  c=%d values:  %4g %4g / %4g %4g\n", c, dst[c * 4], dst[c * 4 + 1], dst[c * 4 + 2],
           dst[c * 4 + 3]);
    printf("  c=%d indices: %4" PRId64 " %4" PRId64 " / %4" PRId64 " %4" PRId64 "\n", c,
           indices[c * 4], indices[c * 4 + 1], indices[c * 4 + 2], indices[c * 4 + 3]);
  }
  for (i = 0; i < kC * 4; ++i) {
    if (dst[i] != kMaxExpected[i] || indices[i] != kIndexExpected[i]) {
      fprintf(stderr, "  max output %d: got %g at %" PRId64 ", expected %g at %" PRId64 "\n", i,
              dst[i], indices[i], kMaxExpected[i], kIndexExpected[i]);
      ++g_failures;
    }
  }
}

static void AvgExample(void) {
  simdpool_problem p;
  simdpool_shape shape;
  simdpool_plan* plan;
  int ran;
  float dst[kN * kC * kH * kW];
  int c, h, w, i;

  simdpool_problem_init(&p);
  p.op = SIMDPOOL_OP_AVG;
  p.batch = kN;
  p.channels = kC;
  p.input[0] = kH;
  p.input[1] = kW;
  for (i = 0; i < 2; ++i) {
    p.kernel[i] = 3;
    p.stride[i] = 1;
    p.pad_begin[i] = 1;
    p.pad_end[i] = 1;
  }

  printf("3x3/s1/p1 average pooling: ");
  PrintProblem(&p);
  if (!Check(simdpool_validate(&p, &shape), "simdpool_validate (avg)")) return;
  PrintShape(&shape);
  ExpectShape(&shape, kH, kW);
  /* A plan validates and plans once; a network layer keeps it and runs it
   * on every new input (here, once). Average pooling has no indices: pass
   * NULL. */
  if (!Check(simdpool_plan_create(&p, &plan), "simdpool_plan_create (avg)")) return;
  ran = Check(simdpool_plan_run(plan, kInput, dst, NULL), "simdpool_plan_run (avg)");
  simdpool_plan_destroy(plan);
  if (!ran) return;

  for (c = 0; c < kC; ++c) {
    for (h = 0; h < kH; ++h) {
      if (h == 0) {
        printf("  c=%d", c);
      } else {
        printf("     ");
      }
      for (w = 0; w < kW; ++w) printf(" %9.6f", dst[(c * kH + h) * kW + w]);
      printf("\n");
    }
  }
  for (i = 0; i < kC * kH * kW; ++i) {
    /* One float division of the exact sum, as the library does. */
    const float expected = kAvgSums[i] / 9.0f;
    if (dst[i] != expected) {
      fprintf(stderr, "  avg output %d: got %.9g, expected %.9g\n", i, dst[i], expected);
      ++g_failures;
    }
  }
}

static void InvalidExample(void) {
  simdpool_problem p;
  simdpool_status status;

  /* Padding 2 with a 2x2 kernel: PyTorch allows at most kernel / 2 = 1. */
  simdpool_problem_init(&p);
  p.input[0] = kH;
  p.input[1] = kW;
  p.kernel[0] = 2;
  p.kernel[1] = 2;
  p.pad_begin[0] = 2;
  p.pad_end[0] = 2;
  status = simdpool_validate(&p, NULL);
  printf("invalid problem: status %d: %s\n", (int)status, simdpool_last_error());
  if (status != SIMDPOOL_INVALID_ARGUMENT || simdpool_last_error()[0] == '\0') {
    fprintf(stderr, "  expected SIMDPOOL_INVALID_ARGUMENT with a message\n");
    ++g_failures;
  }
}

static void PrintTargets(const char* label, simdpool_target_list which) {
  const char* names[32];
  size_t count = simdpool_targets(which, names, 32);
  size_t i;
  if (count > 32) count = 32;
  printf("%s:", label);
  for (i = 0; i < count; ++i) printf(" %s", names[i]);
  printf("\n");
}

int main(void) {
  PrintTargets("compiled targets ", SIMDPOOL_TARGETS_COMPILED);
  PrintTargets("supported targets", SIMDPOOL_TARGETS_SUPPORTED);
  printf("active target    : %s\n", simdpool_active_target());

  MaxExample();
  AvgExample();
  InvalidExample();

  if (g_failures != 0) {
    fprintf(stderr, "FAILED: %d check(s)\n", g_failures);
    return 1;
  }
  printf("all results match the hand-computed values\n");
  return 0;
}
