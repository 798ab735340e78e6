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

unsafe extern "C" fn free_cstring(p: *mut c_void) {
    drop(CString::from_raw(p.cast::<c_char>()));
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
    _bytes: Vec<u8>,
}

impl BareRun {
    /// Loads `path` with `threads` XNNPACK threads (same options as the SDK uses).
    pub fn new(path: &std::path::Path, threads: usize) -> Self {
        let bytes = std::fs::read(path).expect("read model");
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
            let payload = CString::new(format!("num_threads = {threads}"))
                .unwrap()
                .into_raw();
            let mut opaque = ptr::null_mut();
            ok(
                "LiteRtCreateOpaqueOptions",
                sys::LiteRtCreateOpaqueOptions(
                    c"xnnpack".as_ptr(),
                    payload.cast(),
                    Some(free_cstring),
                    &mut opaque,
                ),
            );
            ok(
                "LiteRtAddOpaqueOptions",
                sys::LiteRtAddOpaqueOptions(options, opaque),
            );
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
            Self {
                env,
                model,
                options,
                compiled,
                inputs,
                outputs,
                image_index,
                _bytes: bytes,
            }
        }
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
