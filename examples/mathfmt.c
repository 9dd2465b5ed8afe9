/* sprintf/strtod/qsort/math: printf of sin/cos/sqrt/exp/log, long double (x87), SSE2 intrinsics, strtod/strtol parsing, qsort; run: no args */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <float.h>
#include <emmintrin.h>

__attribute__((target("sse2"))) static double sse2_work(double a, double b)
{
    __m128d v = _mm_set_pd(a, b);
    __m128d s = _mm_sqrt_pd(v);
    __m128d m = _mm_mul_pd(s, _mm_set_pd(3.0, 0.5));
    __m128d r = _mm_add_pd(m, _mm_shuffle_pd(m, m, 1));
    __m128i iv = _mm_cvttpd_epi32(_mm_mul_pd(v, _mm_set1_pd(100.0)));
    return _mm_cvtsd_f64(r) + _mm_cvtsi128_si32(iv);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    volatile double xs[] = {0.0, 0.5, 1.0, 2.0, 3.14159265358979, 10.0, -7.25, 1e-3};
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i];
        printf("x=%.6f sin=%.6f cos=%.6f sqrt|x|=%.6f exp=%.6e atan=%.6f\n", x, sin(x), cos(x), sqrt(fabs(x)), exp(x), atan(x));
    }
    printf("log(10)=%.15f pow(2,0.5)=%.15f fmod=%.6f\n", log(10.0), pow(2.0, 0.5), fmod(10.5, 3.0));
    volatile long double ld = 2.0L;
    printf("sqrtl(2)=%.18Lf\n", sqrtl(ld));
    printf("LDBL_EPSILON=%Lg DBL_EPSILON=%g FLT_EPSILON=%g\n", LDBL_EPSILON, DBL_EPSILON, (double)FLT_EPSILON);
    volatile long double third = 1.0L / 3.0L;
    printf("1/3 long double=%.20Lf\n", third);
    printf("sse2: %.9f\n", sse2_work(2.0, 9.0));
    volatile float f = 1.0f / 3.0f;
    printf("float 1/3=%.9f\n", (double)f);
    printf("inf=%f nan=%f -0=%f\n", INFINITY, NAN, -0.0);
    printf("%%g: %g %g %g %g\n", 1e-10, 123456789.0, 0.0001, 1e300 * 10);
    printf("%%a: %a\n", 1.0 / 3.0);
    const char *nums[] = {"3.25", "-1e5", "0x1p-3", "inf", "  42abc", "1e400", "2.2250738585072014e-308"};
    for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char *end;
        double d = strtod(nums[i], &end);
        printf("strtod(\"%s\")=%.17g rest=\"%s\"\n", nums[i], d, end);
    }
    printf("strtol: %ld %ld %lu\n", strtol("-0x7fffffff", NULL, 16), strtol("777", NULL, 8), strtoul("4294967295", NULL, 10));
    printf("strtoll: %lld\n", strtoll("-9223372036854775808", NULL, 10));
    double arr[200];
    unsigned seed = 12345;
    for (int i = 0; i < 200; i++) { seed = seed * 1103515245 + 12345; arr[i] = (double)(seed >> 8) / 1000.0 - 5000.0; }
    qsort(arr, 200, sizeof arr[0], cmpd);
    int sorted = 1;
    for (int i = 1; i < 200; i++) if (arr[i - 1] > arr[i]) sorted = 0;
    printf("qsort sorted: %s min=%.3f max=%.3f median=%.3f\n", sorted ? "yes" : "no", arr[0], arr[199], arr[100]);
    char buf[128];
    int n = snprintf(buf, sizeof buf, "%08.3f|%-6d|%+d|%x|%o|%5s|%c|%lld", 3.14159, 42, 7, 255, 8, "ab", 'z', -1LL);
    printf("snprintf=%d [%s]\n", n, buf);
    const char *volatile tr = "truncated";
    n = snprintf(buf, 5, "%s", tr);
    printf("snprintf truncated=%d [%s]\n", n, buf);
    long long a = 123456789012345LL, b = 98765;
    printf("64-bit div/mod: %lld %lld\n", a / b, a % b);
    unsigned long long u = 0xfedcba9876543210ULL;
    printf("64-bit shifts: %llx %llx\n", u >> 13, u << 7);
    return 0;
}
