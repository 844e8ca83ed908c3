/*
 * Kiln's reference kernel in plain C: the update `bench/kernel.mjs` times (B beliefs on a CSR graph, heat-bath
 * sweeps per colour class under internal + social field, prediction error, Hebbian plasticity, energy relaxation),
 * on a world dumped by `bench/ref/world.mjs`, for side-by-side timing and to check that the JavaScript kernel
 * computes the same update. Covers the benchmark's scenario: no memes, groups, evidence, interventions or plugins.
 *
 * Build: gcc -O3 -march=native -ffp-contract=off -o kernel kernel.c
 * Usage: kernel <world.bin> <ticks> <warm-up ticks> [<state.bin>]
 *   runs the warm-up ticks, then times `ticks` ticks; prints {"seconds":…,"cpu_seconds":…,"ticks":…}; writes the
 *   final state.
 *
 * Same arithmetic as src/model/kernel.ts, operation for operation: doubles for every field and sum, float32 for
 * couplings and the prediction error, the same summation orders, and exp() as V8 computes Math.exp (fdlibm's
 * algorithm, below) rather than the C library's, whose last bit can differ. -ffp-contract=off keeps gcc from
 * fusing a multiply and an add into one FMA, which rounds once instead of twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  int32_t n, B, P, nnz, colours, hStride, sweeps, expressedCount;
  double tau0, energyMax, gamma, surpriseGain, theta, saturation, eta, wMax, conformity;
  uint8_t *expressed;
  int32_t *offsets, *neighbours, *order, *classStart, *pairIndex;
  float *weights, *dispositions, *couplings, *surprise;
  double *energy, *rest;
  int8_t *spins;
  uint32_t *rng;
} World;

static void fail(const char *what) {
  fprintf(stderr, "kernel: %s\n", what);
  exit(2);
}

static void *readArray(FILE *f, size_t count, size_t size) {
  void *p = malloc(count * size + 1);
  if (!p) fail("out of memory");
  if (fread(p, size, count, f) != count) fail("world file is truncated");
  return p;
}

static void writeArray(FILE *f, const void *p, size_t count, size_t size) {
  if (fwrite(p, size, count, f) != count) fail("could not write the state file");
}

/* ---- exp(x) as V8's Math.exp computes it (fdlibm's e_exp.c, as adapted in V8's src/base/ieee754.cc) ---- */

static uint32_t highWord(double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  return (uint32_t)(u >> 32);
}
static uint32_t lowWord(double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  return (uint32_t)u;
}
static double fromWords(uint32_t hi, uint32_t lo) {
  uint64_t u = ((uint64_t)hi << 32) | lo;
  double x;
  memcpy(&x, &u, 8);
  return x;
}

static double v8exp(double x) {
  static const double halF[2] = {0.5, -0.5};
  static const double ln2HI[2] = {6.93147180369123816490e-01, -6.93147180369123816490e-01};
  static const double ln2LO[2] = {1.90821492927058770002e-10, -1.90821492927058770002e-10};
  static const double invln2 = 1.44269504088896338700e+00;
  static const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
                      P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
                      P5 = 4.13813679705723846039e-08;
  static const double E = 2.718281828459045;
  static const double oThreshold = 7.09782712893383973096e+02, uThreshold = -7.45133219101941108420e+02;
  static volatile double huge = 1.0e+300, twom1000 = 9.33263618503218878990e-302,
                         two1023 = 8.988465674311579539e307;
  double y, hi = 0.0, lo = 0.0, c, t, twopk = 0.0;
  int32_t k = 0;
  uint32_t hx = highWord(x);
  int32_t xsb = (hx >> 31) & 1;
  hx &= 0x7FFFFFFF;
  if (hx >= 0x40862E42) { /* |x| >= 709.78: NaN, ±Inf, overflow, underflow */
    if (hx >= 0x7FF00000) {
      if (((hx & 0xFFFFF) | lowWord(x)) != 0) return x + x;
      return xsb == 0 ? x : 0.0;
    }
    if (x > oThreshold) return huge * huge;
    if (x < uThreshold) return twom1000 * twom1000;
  }
  if (hx > 0x3FD62E42) { /* |x| > ln2 / 2: x = k ln2 + r */
    if (hx < 0x3FF0A2B2) {
      if (x == 1.0) return E;
      hi = x - ln2HI[xsb];
      lo = ln2LO[xsb];
      k = 1 - xsb - xsb;
    } else {
      k = (int32_t)(invln2 * x + halF[xsb]);
      t = k;
      hi = x - t * ln2HI[0];
      lo = t * ln2LO[0];
    }
    x = hi - lo;
  } else if (hx < 0x3E300000) { /* |x| < 2^-28 */
    if (huge + x > 1.0) return 1.0 + x;
  } else {
    k = 0;
  }
  t = x * x;
  if (k >= -1021) twopk = fromWords(0x3FF00000 + (uint32_t)((uint32_t)k << 20), 0);
  else twopk = fromWords(0x3FF00000 + (uint32_t)((uint32_t)(k + 1000) << 20), 0);
  c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * two1023;
    return y * twopk;
  }
  return y * twopk * twom1000;
}

/* ---- the update ---- */

static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/* Next uniform in [0, 1) from agent i's xoshiro128** stream. */
static double nextUniform(uint32_t *s) {
  uint32_t r = rotl(s[1] * 5u, 7) * 9u;
  uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return r / 4294967296.0;
}

static double plasticity(double e, double theta, double saturation) {
  double p = (e - theta) / (saturation - theta);
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* One agent's heat-bath update of all its beliefs; on the observing sweep also its prediction error. */
static void sweepAgent(World *w, int32_t i, int observe) {
  const int32_t B = w->B;
  const int8_t *own = w->spins + (size_t)i * B;
  const float *W = w->couplings + (size_t)i * w->P;
  double social[64], inner[64], external[64];

  /* social field: conformity × Σ_j w_ij s_j over expressed beliefs */
  for (int a = 0; a < B; a++) social[a] = 0;
  double weight = 0;
  for (int32_t e = w->offsets[i]; e < w->offsets[i + 1]; e++) {
    const int8_t *other = w->spins + (size_t)w->neighbours[e] * B;
    const double wij = w->weights[e];
    for (int a = 0; a < B; a++) social[a] += wij * other[a];
  }
  if (observe) {
    for (int32_t e = w->offsets[i]; e < w->offsets[i + 1]; e++) weight += w->weights[e];
    double agreement = 0;
    for (int a = 0; a < B; a++) agreement += (double)(w->expressed[a] * own[a]) * social[a];
    double total = weight * w->expressedCount;
    double miss = (total - agreement) / 2;
    w->surprise[i] = (float)(total > 0 ? miss / total : 0);
  }
  for (int a = 0; a < B; a++) social[a] = w->expressed[a] ? w->conformity * social[a] : 0;
  for (int a = 0; a < B; a++) external[a] = social[a] + 0.0; /* + the meme field, zero here */

  /* internal field: h_a + Σ_b W_ab s_b, one pass over the packed triangle */
  const float *h = w->dispositions + (size_t)i * w->hStride;
  for (int a = 0; a < B; a++) inner[a] = h[a];
  int32_t k = 0;
  for (int a = 0; a < B; a++) {
    double ga = 0;
    for (int b = a + 1; b < B; b++) {
      double wab = W[k++];
      ga += wab * own[b];
      inner[b] += wab * own[a];
    }
    inner[a] += ga;
  }

  /* heat bath, belief by belief; a flip updates the other beliefs' internal fields */
  int8_t *spins = w->spins + (size_t)i * B;
  uint32_t *rng = w->rng + 4 * (size_t)i;
  const double T = w->tau0 + w->energy[i];
  for (int a = 0; a < B; a++) {
    double f = inner[a] + external[a];
    int old = spins[a], next;
    if (T <= 0) next = f > 0 ? 1 : f < 0 ? -1 : old;
    else {
      double u = nextUniform(rng);
      next = u * (1 + v8exp((-2 * f) / T)) < 1 ? 1 : -1;
    }
    if (next != old) {
      spins[a] = (int8_t)next;
      int d = next - old;
      for (int b = 0; b < B; b++)
        if (b != a) inner[b] += W[w->pairIndex[a * B + b]] * (double)d;
    }
  }
}

/* After the sweeps: Hebbian plasticity of the couplings and the energy's relaxation. */
static void settleAgent(World *w, int32_t i) {
  const int32_t B = w->B;
  double pe = w->surprise[i];
  double p = plasticity(w->energy[i], w->theta, w->saturation);
  if (p != 0) {
    float *W = w->couplings + (size_t)i * w->P;
    const int8_t *s = w->spins + (size_t)i * B;
    double rate = w->eta * p;
    int32_t k = 0;
    for (int a = 0; a < B; a++) {
      for (int b = a + 1; b < B; b++) {
        int ss = s[a] * s[b];
        double wab = W[k];
        W[k++] = (float)(wab + rate * (w->wMax * ss - wab));
      }
    }
  }
  double gain = w->surpriseGain * pe + 0.0 + 0.0; /* + meme rise + energy input, zero here */
  double e = w->energy[i];
  double gamma = w->gamma * (1 + 0.0) * (1 - 0.0); /* sinks and depth, zero here */
  double next = e + gain - gamma * (e - w->rest[i]);
  w->energy[i] = next < 0 ? 0 : next > w->energyMax ? w->energyMax : next;
}

static void tick(World *w) {
  for (int sweep = 0; sweep < w->sweeps; sweep++) {
    for (int c = 0; c < w->colours; c++) {
      for (int32_t k = w->classStart[c]; k < w->classStart[c + 1]; k++) sweepAgent(w, w->order[k], sweep == 0);
    }
  }
  for (int32_t i = 0; i < w->n; i++) settleAgent(w, i);
}

static World load(const char *path) {
  World w;
  FILE *f = fopen(path, "rb");
  if (!f) fail("cannot open the world file");
  char magic[8];
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "KILNREF1", 8) != 0) fail("not a Kiln reference world file");
  int32_t head[8];
  double k[9];
  if (fread(head, 4, 8, f) != 8 || fread(k, 8, 9, f) != 9) fail("world file is truncated");
  w.n = head[0], w.B = head[1], w.P = head[2], w.nnz = head[3];
  w.colours = head[4], w.hStride = head[5], w.sweeps = head[6], w.expressedCount = head[7];
  if (w.B > 64) fail("at most 64 beliefs");
  w.tau0 = k[0], w.energyMax = k[1], w.gamma = k[2], w.surpriseGain = k[3], w.theta = k[4];
  w.saturation = k[5], w.eta = k[6], w.wMax = k[7], w.conformity = k[8];
  w.expressed = readArray(f, w.B, 1);
  w.offsets = readArray(f, w.n + 1, 4);
  w.neighbours = readArray(f, w.nnz, 4);
  w.weights = readArray(f, w.nnz, 4);
  w.order = readArray(f, w.n, 4);
  w.classStart = readArray(f, w.colours + 1, 4);
  w.dispositions = readArray(f, (size_t)(w.hStride > 0 ? w.n : 1) * w.B, 4);
  w.energy = readArray(f, w.n, 8);
  w.rest = readArray(f, w.n, 8);
  w.spins = readArray(f, (size_t)w.n * w.B, 1);
  w.couplings = readArray(f, (size_t)w.n * w.P, 4);
  w.rng = readArray(f, 4 * (size_t)w.n, 4);
  w.surprise = readArray(f, w.n, 4);
  fclose(f);
  w.pairIndex = malloc(sizeof(int32_t) * w.B * w.B);
  int32_t p = 0;
  for (int a = 0; a < w.B; a++) {
    w.pairIndex[a * w.B + a] = -1;
    for (int b = a + 1; b < w.B; b++) w.pairIndex[a * w.B + b] = w.pairIndex[b * w.B + a] = p++;
  }
  return w;
}

/* The final state, in the order world.mjs reads it: spins, couplings, energy, surprise, rng. */
static void save(const World *w, const char *path) {
  FILE *f = fopen(path, "wb");
  if (!f) fail("cannot open the state file");
  writeArray(f, w->spins, (size_t)w->n * w->B, 1);
  writeArray(f, w->couplings, (size_t)w->n * w->P, 4);
  writeArray(f, w->energy, w->n, 8);
  writeArray(f, w->surprise, w->n, 4);
  writeArray(f, w->rng, 4 * (size_t)w->n, 4);
  if (fclose(f) != 0) fail("could not write the state file");
}

int main(int argc, char **argv) {
  if (argc < 4) fail("usage: kernel <world.bin> <ticks> <warm-up ticks> [<state.bin>]");
  World w = load(argv[1]);
  int ticks = atoi(argv[2]), warmup = atoi(argv[3]);
  for (int t = 0; t < warmup; t++) tick(&w);
  /* wall time, and this process's CPU time (less disturbed when other processes share the core) */
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  for (int t = 0; t < ticks; t++) tick(&w);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  double cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
  if (argc > 4) save(&w, argv[4]);
  printf("{\"seconds\":%.9f,\"cpu_seconds\":%.9f,\"ticks\":%d}\n", seconds, cpu, ticks);
  return 0;
}
