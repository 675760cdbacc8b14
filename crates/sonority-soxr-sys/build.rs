//! Builds the vendored libsoxr the way python-soxr's CMake does, so that our resampler runs
//! the same engine as librosa's: on x86_64 and aarch64 the HQ quality uses the SIMD
//! single-precision engine (cr32s) with PFFFT. soxr-sys builds only the scalar engine, whose
//! float32 rounding differs; that difference is visible in the stopband noise floor, which
//! spectral flatness and the top band of spectral contrast are sensitive to.

fn main() {
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let simd = matches!(arch.as_str(), "x86_64" | "aarch64");
    let common = [
        "soxr.c",
        "data-io.c",
        "dbesi0.c",
        "filter.c",
        "fft4g64.c",
        "cr.c",
        "cr32.c",
        "fft4g32.c",
        "cr64.c",
        "vr32.c",
    ];
    let simd_sources = ["cr32s.c", "pffft32s.c", "util32s.c"];
    let mut build = cc::Build::new();
    build
        .include("libsoxr/src")
        .define("SOXR_LIB", None)
        .flag_if_supported("-std=gnu89")
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-Wno-sign-compare")
        .flag_if_supported("-Wno-unused-function")
        .warnings(false)
        .opt_level(3);
    if !simd {
        build.define("WITH_CR32S", "0");
    }
    for f in common {
        build.file(format!("libsoxr/src/{f}"));
    }
    if simd {
        for f in simd_sources {
            build.file(format!("libsoxr/src/{f}"));
        }
    }
    build.compile("soxr");
    println!("cargo:rustc-link-lib=m");
    println!("cargo:rerun-if-changed=libsoxr/src");
    println!("cargo:rerun-if-changed=build.rs");
}
