//! The baseline: LiteRT's C API driven directly, with no SDK code in the loop. Same model,
//! same CPU options, buffers created once, one `LiteRtRunCompiledModel` per frame, states fed
//! from fixed buffers (no carrying). The SDK's per-frame cost is measured as a ratio to this.

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr;

use litert_sys as sys;

fn ok(call: &str, status: sys::LiteRtStatus) {
    assert_eq!(
        status,
        sys::kLiteRtStatusOk,
        "{call} failed with status {status}"
    );
}

// LiteRT 2.1.4 exports its profiler, which litert-sys 0.2.1 does not bind.
extern "C" {
    fn LiteRtStartProfiler(profiler: sys::LiteRtProfiler) -> sys::LiteRtStatus;
    fn LiteRtStopProfiler(profiler: sys::LiteRtProfiler) -> sys::LiteRtStatus;
    fn LiteRtResetProfiler(profiler: sys::LiteRtProfiler) -> sys::LiteRtStatus;
    fn LiteRtGetProfileSummary(
        profiler: sys::LiteRtProfiler,
        compiled_model: sys::LiteRtCompiledModel,
        summary: *mut *const c_char,
    ) -> sys::LiteRtStatus;
}

unsafe extern "C" fn free_cstring(p: *mut c_void) {
    drop(CString::from_raw(p.cast::<c_char>()));
}

/// Adds opaque options named `identifier` with the text `payload` (which LiteRT owns and
/// frees with `free_cstring`) to `options`.
///
/// # Safety
/// `options` is a live LiteRT options handle.
unsafe fn add_opaque(options: sys::LiteRtOptions, identifier: &CStr, payload: String) {
    let payload = CString::new(payload)
        .expect("an options text has no NUL byte")
        .into_raw();
    let mut opaque = ptr::null_mut();
    ok(
        "LiteRtCreateOpaqueOptions",
        sys::LiteRtCreateOpaqueOptions(
            identifier.as_ptr(),
            payload.cast(),
            Some(free_cstring),
            &mut opaque,
        ),
    );
    ok(
        "LiteRtAddOpaqueOptions",
        sys::LiteRtAddOpaqueOptions(options, opaque),
    );
}

/// A compiled model with one managed buffer per signature input and output.
pub struct BareRun {
    env: sys::LiteRtEnvironment,
    model: sys::LiteRtModel,
    options: sys::LiteRtOptions,
    compiled: sys::LiteRtCompiledModel,
    inputs: Vec<sys::LiteRtTensorBuffer>,
    outputs: Vec<sys::LiteRtTensorBuffer>,
    image_index: usize,
    /// Values in the (float32) image input.
    image_len: usize,
    _bytes: Vec<u8>,
}

impl BareRun {
    /// Loads `path` with `threads` XNNPACK threads (same options as the SDK uses).
    pub fn new(path: &std::path::Path, threads: usize) -> Self {
        Self::load(std::fs::read(path).expect("read model"), threads, false)
    }

    /// As [`BareRun::new`], with LiteRT's per-operator profiling on (its runtime options'
    /// `enable_profiling`): see [`BareRun::profile`]. Profiling slows the run down.
    pub fn profiled(path: &std::path::Path, threads: usize) -> Self {
        Self::load(std::fs::read(path).expect("read model"), threads, true)
    }

    /// As [`BareRun::new`], for a model's bytes (e.g. as a load-time pass rewrote them).
    pub fn from_bytes(bytes: Vec<u8>, threads: usize) -> Self {
        Self::load(bytes, threads, false)
    }

    /// As [`BareRun::profiled`], for a model's bytes.
    pub fn profiled_bytes(bytes: Vec<u8>, threads: usize) -> Self {
        Self::load(bytes, threads, true)
    }

    fn load(bytes: Vec<u8>, threads: usize, profiling: bool) -> Self {
        // SAFETY: plain use of the C API; every handle is checked and freed in Drop.
        unsafe {
            // The same environment the SDK creates (CPU only, no probing for GPU plug-ins), so
            // that the two differ only by the SDK's own code.
            let cpu_only = sys::LiteRtEnvOption {
                tag: sys::kLiteRtEnvOptionTagAutoRegisterAccelerators,
                value: sys::LiteRtAny {
                    type_: sys::kLiteRtAnyTypeInt,
                    __bindgen_anon_1: sys::LiteRtAny__bindgen_ty_1 {
                        int_value: i64::from(sys::kLiteRtHwAcceleratorCpu),
                    },
                },
            };
            let mut env = ptr::null_mut();
            ok(
                "LiteRtCreateEnvironment",
                sys::LiteRtCreateEnvironment(1, &cpu_only, &mut env),
            );
            let mut model = ptr::null_mut();
            ok(
                "LiteRtCreateModelFromBuffer",
                sys::LiteRtCreateModelFromBuffer(bytes.as_ptr().cast(), bytes.len(), &mut model),
            );
            let mut options = ptr::null_mut();
            ok(
                "LiteRtCreateOptions",
                sys::LiteRtCreateOptions(&mut options),
            );
            ok(
                "LiteRtSetOptionsHardwareAccelerators",
                sys::LiteRtSetOptionsHardwareAccelerators(options, sys::kLiteRtHwAcceleratorCpu),
            );
            add_opaque(options, c"xnnpack", format!("num_threads = {threads}"));
            if profiling {
                // What LrtGetOpaqueRuntimeOptionsData makes of runtime options with profiling
                // on (the Lrt helpers are not exported by libLiteRt.so 2.1.4).
                add_opaque(
                    options,
                    c"runtime_options_string",
                    "enable_profiling = true\n".into(),
                );
            }
            let mut compiled = ptr::null_mut();
            ok(
                "LiteRtCreateCompiledModel",
                sys::LiteRtCreateCompiledModel(env, model, options, &mut compiled),
            );
            let mut sig = ptr::null_mut();
            ok(
                "LiteRtGetModelSignature",
                sys::LiteRtGetModelSignature(model, 0, &mut sig),
            );
            let mut n_in = 0;
            let mut n_out = 0;
            ok(
                "LiteRtGetNumSignatureInputs",
                sys::LiteRtGetNumSignatureInputs(sig, &mut n_in),
            );
            ok(
                "LiteRtGetNumSignatureOutputs",
                sys::LiteRtGetNumSignatureOutputs(sig, &mut n_out),
            );
            let mut image_index = 0;
            let mut make = |is_input: bool, i: usize| {
                let mut t = ptr::null_mut();
                let mut name: *const c_char = ptr::null();
                if is_input {
                    ok(
                        "input",
                        sys::LiteRtGetSignatureInputTensorByIndex(sig, i, &mut t),
                    );
                    ok("name", sys::LiteRtGetSignatureInputName(sig, i, &mut name));
                    if CStr::from_ptr(name).to_bytes() == b"image" {
                        image_index = i;
                    }
                } else {
                    ok(
                        "output",
                        sys::LiteRtGetSignatureOutputTensorByIndex(sig, i, &mut t),
                    );
                }
                let mut ty = sys::LiteRtRankedTensorType::default();
                ok(
                    "LiteRtGetRankedTensorType",
                    sys::LiteRtGetRankedTensorType(t, &mut ty),
                );
                let mut req = ptr::null_mut();
                if is_input {
                    ok(
                        "req",
                        sys::LiteRtGetCompiledModelInputBufferRequirements(
                            compiled, 0, i, &mut req,
                        ),
                    );
                } else {
                    ok(
                        "req",
                        sys::LiteRtGetCompiledModelOutputBufferRequirements(
                            compiled, 0, i, &mut req,
                        ),
                    );
                }
                let mut buf = ptr::null_mut();
                ok(
                    "LiteRtCreateManagedTensorBufferFromRequirements",
                    sys::LiteRtCreateManagedTensorBufferFromRequirements(env, &ty, req, &mut buf),
                );
                let mut size = 0;
                ok(
                    "LiteRtGetTensorBufferSize",
                    sys::LiteRtGetTensorBufferSize(buf, &mut size),
                );
                let mut addr = ptr::null_mut();
                ok(
                    "LiteRtLockTensorBuffer",
                    sys::LiteRtLockTensorBuffer(
                        buf,
                        &mut addr,
                        sys::kLiteRtTensorBufferLockModeWrite,
                    ),
                );
                ptr::write_bytes(addr.cast::<u8>(), 0, size);
                ok(
                    "LiteRtUnlockTensorBuffer",
                    sys::LiteRtUnlockTensorBuffer(buf),
                );
                buf
            };
            let inputs: Vec<_> = (0..n_in).map(|i| make(true, i)).collect();
            let outputs: Vec<_> = (0..n_out).map(|i| make(false, i)).collect();
            let mut image_bytes = 0;
            ok(
                "LiteRtGetTensorBufferSize",
                sys::LiteRtGetTensorBufferSize(inputs[image_index], &mut image_bytes),
            );
            Self {
                env,
                model,
                options,
                compiled,
                inputs,
                outputs,
                image_index,
                image_len: image_bytes / 4,
                _bytes: bytes,
            }
        }
    }

    /// Values one frame holds (the image input's size).
    pub fn image_len(&self) -> usize {
        self.image_len
    }

    /// Copies `frame` into the image buffer (as any app must) and runs once.
    pub fn run(&mut self, frame: &[f32]) {
        // SAFETY: buffers are live and typed for their positions; lock/unlock bracket the write.
        unsafe {
            let buf = self.inputs[self.image_index];
            let mut addr = ptr::null_mut();
            ok(
                "LiteRtLockTensorBuffer",
                sys::LiteRtLockTensorBuffer(buf, &mut addr, sys::kLiteRtTensorBufferLockModeWrite),
            );
            ptr::copy_nonoverlapping(frame.as_ptr(), addr.cast::<f32>(), frame.len());
            ok(
                "LiteRtUnlockTensorBuffer",
                sys::LiteRtUnlockTensorBuffer(buf),
            );
            ok(
                "LiteRtRunCompiledModel",
                sys::LiteRtRunCompiledModel(
                    self.compiled,
                    0,
                    self.inputs.len(),
                    self.inputs.as_mut_ptr(),
                    self.outputs.len(),
                    self.outputs.as_mut_ptr(),
                ),
            );
        }
    }
}

impl BareRun {
    /// Runs `frame` `n` times with the profiler recording (after a reset) and returns LiteRT's
    /// profile summary (its per-operator tables). Needs [`BareRun::profiled`].
    pub fn profile(&mut self, frame: &[f32], n: usize) -> String {
        // SAFETY: the compiled model is live; the summary string is LiteRT's, freed with free().
        unsafe {
            let mut profiler = ptr::null_mut();
            ok(
                "LiteRtCompiledModelGetProfiler",
                sys::LiteRtCompiledModelGetProfiler(self.compiled, &mut profiler),
            );
            assert!(
                !profiler.is_null(),
                "no profiler: load with BareRun::profiled"
            );
            ok("LiteRtResetProfiler", LiteRtResetProfiler(profiler));
            ok("LiteRtStartProfiler", LiteRtStartProfiler(profiler));
            for _ in 0..n {
                self.run(frame);
            }
            ok("LiteRtStopProfiler", LiteRtStopProfiler(profiler));
            let mut summary: *const c_char = ptr::null();
            ok(
                "LiteRtGetProfileSummary",
                LiteRtGetProfileSummary(profiler, self.compiled, &mut summary),
            );
            if summary.is_null() {
                return String::new();
            }
            let text = CStr::from_ptr(summary).to_string_lossy().into_owned();
            libc_free(summary.cast_mut().cast());
            text
        }
    }
}

extern "C" {
    #[link_name = "free"]
    fn libc_free(p: *mut c_void);
}

impl Drop for BareRun {
    fn drop(&mut self) {
        // SAFETY: each handle created above, destroyed once, dependents first.
        unsafe {
            for &b in self.inputs.iter().chain(&self.outputs) {
                sys::LiteRtDestroyTensorBuffer(b);
            }
            sys::LiteRtDestroyCompiledModel(self.compiled);
            sys::LiteRtDestroyOptions(self.options);
            sys::LiteRtDestroyModel(self.model);
            sys::LiteRtDestroyEnvironment(self.env);
        }
    }
}
