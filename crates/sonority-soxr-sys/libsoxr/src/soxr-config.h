/* Configuration of the vendored libsoxr, matching what python-soxr 1.1.0's CMake build
 * produces on x86_64 and aarch64 (librosa's resampler): single-precision SIMD engine (cr32s)
 * with PFFFT, scalar engines cr32/cr64 and vr32; no libavcodec. */
#if !defined soxr_config_included
#define soxr_config_included

#define AVCODEC_FOUND 0
#define AVUTIL_FOUND 0
#define WITH_PFFFT 1

#define HAVE_FENV_H 1
#define HAVE_STDBOOL_H 1
#define HAVE_STDINT_H 1
#define HAVE_GETAUXVAL 0
#define HAVE_LRINT 1
#define HAVE_BIGENDIAN 0

#define WITH_CR32 1
#ifndef WITH_CR32S
#define WITH_CR32S 1
#endif
#define WITH_CR64 1
#define WITH_CR64S 0
#define WITH_VR32 1

#define WITH_HI_PREC_CLOCK 0
#define WITH_FLOAT_STD_PREC_CLOCK 0
#define WITH_DEV_TRACE 0

#endif
