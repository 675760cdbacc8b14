//! Raw bindings to libsoxr 0.1.3, built from the copy python-soxr 1.1.0 vendors and with the
//! same engines (see `build.rs`), so sonority resamples exactly as librosa's default
//! `res_type="soxr_hq"` does.
//!
//! The C library is LGPL-2.1-or-later (`libsoxr/LICENCE`); it is linked statically, so a
//! `sonority` binary must be distributed with its object files or source (see README).

#![allow(non_upper_case_globals, non_camel_case_types, non_snake_case)]
#![allow(missing_docs, clippy::all)]

include!("bindings.rs");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_reports_the_vendored_version() {
        // SAFETY: soxr_version returns a pointer to a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(soxr_version()) };
        assert!(v.to_string_lossy().contains("0.1.3"), "{v:?}");
    }

    #[test]
    fn hq_uses_the_simd_engine() {
        let mut error: soxr_error_t = std::ptr::null();
        // SAFETY: plain constructors and a create/delete pair on a valid handle.
        unsafe {
            let q = soxr_quality_spec(SOXR_20_BITQ as std::os::raw::c_ulong, 0);
            let io = soxr_io_spec(
                soxr_datatype_t_SOXR_FLOAT32_I,
                soxr_datatype_t_SOXR_FLOAT32_I,
            );
            let rt = soxr_runtime_spec(1);
            let s = soxr_create(44100.0, 22050.0, 1, &mut error, &io, &q, &rt);
            assert!(error.is_null() && !s.is_null());
            let engine = std::ffi::CStr::from_ptr(soxr_engine(s))
                .to_string_lossy()
                .into_owned();
            soxr_delete(s);
            if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
                assert_eq!(engine, "cr32s");
            }
        }
    }
}
