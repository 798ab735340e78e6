//! The only module that touches LiteRT's C API (through `litert-sys`, pinned to LiteRT 2.1.4).
//!
//! It loads a `.tflite` flatbuffer, compiles it for the CPU (XNNPACK), reports the signature's
//! tensors, owns 64-byte-aligned host buffers that LiteRT reads and writes in place, and runs
//! the compiled model on whichever buffers the caller binds. Everything above it is safe Rust.

use std::alloc::{self, Layout};
use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr::{self, NonNull};

use litert_sys as sys;

use crate::error::{Error, Result};

// `native/litert_guard.cc`: the same calls, with any C++ exception LiteRT throws caught and
// returned as `GUARD_EXCEPTION` plus its message, instead of unwinding into Rust (an abort).
extern "C" {
    fn movinet_guarded_create_model(
        buffer: *const c_void,
        len: usize,
        model: *mut sys::LiteRtModel,
        message: *mut c_char,
        message_len: usize,
    ) -> i32;
    fn movinet_guarded_create_compiled_model(
        env: sys::LiteRtEnvironment,
        model: sys::LiteRtModel,
        options: sys::LiteRtOptions,
        compiled: *mut sys::LiteRtCompiledModel,
        message: *mut c_char,
        message_len: usize,
    ) -> i32;
    fn movinet_guarded_run(
        compiled: sys::LiteRtCompiledModel,
        signature: usize,
        num_inputs: usize,
        inputs: *mut sys::LiteRtTensorBuffer,
        num_outputs: usize,
        outputs: *mut sys::LiteRtTensorBuffer,
        message: *mut c_char,
        message_len: usize,
    ) -> i32;
}

extern "C" {
    /// C's `free`, for the message buffer `LiteRtCompiledModelGetErrorMessages` mallocs.
    fn free(ptr: *mut c_void);
}

/// What the guards return when the call threw.
const GUARD_EXCEPTION: i32 = -10000;

/// Calls a guarded function with a message buffer and checks its result like `check`.
fn guarded(call: &'static str, f: impl FnOnce(*mut c_char, usize) -> i32) -> Result<()> {
    let mut message = [0 as c_char; 256];
    let status = f(message.as_mut_ptr(), message.len());
    if status == GUARD_EXCEPTION {
        // SAFETY: the guard always leaves a NUL-terminated string in the buffer it was given
        // (it starts zeroed, and the guard writes at most len - 1 bytes and a NUL).
        let text = unsafe { CStr::from_ptr(message.as_ptr()) }.to_string_lossy();
        return Err(Error::Runtime {
            call,
            status: format!("LiteRT threw a C++ exception: {text}"),
        });
    }
    check(call, status as sys::LiteRtStatus)
}

/// The key LiteRT gives the signature it makes up for a model exported without any.
const PLACEHOLDER_SIGNATURE_KEY: &str = "<placeholder signature>";

/// Element types the SDK understands; anything else is reported as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementType {
    /// 32-bit float.
    Float32,
    /// 32-bit signed integer.
    Int32,
    /// 8-bit signed integer (quantized).
    Int8,
    /// 8-bit unsigned integer.
    UInt8,
    /// 64-bit signed integer.
    Int64,
    /// Any other LiteRT element type, by its code.
    Other(u32),
}

impl ElementType {
    fn from_sys(t: sys::LiteRtElementType) -> Self {
        match t {
            sys::kLiteRtElementTypeFloat32 => Self::Float32,
            sys::kLiteRtElementTypeInt32 => Self::Int32,
            sys::kLiteRtElementTypeInt8 => Self::Int8,
            sys::kLiteRtElementTypeUInt8 => Self::UInt8,
            sys::kLiteRtElementTypeInt64 => Self::Int64,
            other => Self::Other(other),
        }
    }

    /// Bytes per element, `None` for types the SDK cannot hold.
    pub fn size(self) -> Option<usize> {
        match self {
            Self::Float32 | Self::Int32 => Some(4),
            Self::Int8 | Self::UInt8 => Some(1),
            Self::Int64 => Some(8),
            Self::Other(_) => None,
        }
    }
}

/// One signature input or output, as the model declares it.
#[derive(Debug, Clone)]
pub struct TensorInfo {
    pub name: String,
    pub element_type: ElementType,
    /// Static dimensions; a dynamic dimension is reported as -1.
    pub dims: Vec<i64>,
    /// Scale and zero point of a tensor quantized per tensor (`real = scale * (q - zero)`).
    pub quantization: Option<(f32, i64)>,
    ranked: sys::LiteRtRankedTensorType,
}

/// The signature the session runs: its key and its tensors in positional order.
#[derive(Debug, Clone)]
pub struct SignatureInfo {
    pub key: String,
    pub index: usize,
    pub inputs: Vec<TensorInfo>,
    pub outputs: Vec<TensorInfo>,
}

fn check(call: &'static str, status: sys::LiteRtStatus) -> Result<()> {
    if status == sys::kLiteRtStatusOk {
        return Ok(());
    }
    // libLiteRt.so 2.1.4 does not export LiteRtGetStatusString: name the codes ourselves.
    let text = match status {
        sys::kLiteRtStatusErrorInvalidArgument => "invalid argument",
        sys::kLiteRtStatusErrorMemoryAllocationFailure => "memory allocation failure",
        sys::kLiteRtStatusErrorRuntimeFailure => "runtime failure",
        sys::kLiteRtStatusErrorMissingInputTensor => "missing input tensor",
        sys::kLiteRtStatusErrorUnsupported => "unsupported",
        sys::kLiteRtStatusErrorNotFound => "not found",
        sys::kLiteRtStatusErrorFileIO => "file I/O error",
        sys::kLiteRtStatusErrorInvalidFlatbuffer => "invalid flatbuffer",
        sys::kLiteRtStatusErrorDynamicLoading => "dynamic loading error",
        sys::kLiteRtStatusErrorCompilation => "compilation error",
        sys::kLiteRtStatusErrorIndexOOB => "index out of bounds",
        sys::kLiteRtStatusErrorWrongVersion => "wrong version",
        _ => "error",
    };
    Err(Error::Runtime {
        call,
        status: format!("{text} (status {status})"),
    })
}

fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: LiteRT returns NUL-terminated names owned by the model, alive while it is.
        unsafe { CStr::from_ptr(p).to_string_lossy().into_owned() }
    }
}

/// Heap memory aligned to LiteRT's host-buffer alignment, zero-initialised.
pub struct AlignedBytes {
    ptr: NonNull<u8>,
    len: usize,
    layout: Layout,
}

// SAFETY: AlignedBytes owns its allocation exclusively; access goes through &self / &mut self.
unsafe impl Send for AlignedBytes {}
// SAFETY: shared access only reads (`as_slice`, `as_f32`); writes need &mut self.
unsafe impl Sync for AlignedBytes {}

impl AlignedBytes {
    pub const ALIGN: usize = sys::LITERT_HOST_MEMORY_BUFFER_ALIGNMENT as usize;

    pub fn zeroed(len: usize) -> Result<Self> {
        let layout = Layout::from_size_align(len.max(Self::ALIGN), Self::ALIGN).map_err(|e| {
            Error::Runtime {
                call: "alloc",
                status: format!("buffer of {len} bytes: {e}"),
            }
        })?;
        // SAFETY: layout has a non-zero size.
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).ok_or_else(|| Error::Runtime {
            call: "alloc",
            status: format!("out of memory allocating {len} bytes"),
        })?;
        Ok(Self { ptr, len, layout })
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let mut b = Self::zeroed(bytes.len())?;
        b.as_mut_slice().copy_from_slice(bytes);
        Ok(b)
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr is valid for len bytes, initialised (zeroed at allocation).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and &mut self gives exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes as f32 values (the allocation is 64-byte aligned; trailing bytes ignored).
    pub fn as_f32(&self) -> &[f32] {
        // SAFETY: alignment 64 >= align_of::<f32>(), every bit pattern is a valid f32.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<f32>(), self.len / 4) }
    }

    /// The bytes as i8 values.
    pub fn as_i8(&self) -> &[i8] {
        // SAFETY: same size and alignment as u8; every bit pattern is a valid i8.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<i8>(), self.len) }
    }

    pub fn as_i8_mut(&mut self) -> &mut [i8] {
        // SAFETY: as above, with exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().cast::<i8>(), self.len) }
    }

    pub fn as_f32_mut(&mut self) -> &mut [f32] {
        // SAFETY: as above, with exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().cast::<f32>(), self.len / 4) }
    }
}

impl Drop for AlignedBytes {
    fn drop(&mut self) {
        // SAFETY: allocated in `zeroed` with exactly this layout.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// A tensor buffer over memory we own: LiteRT reads and writes it in place, no copies.
pub struct HostBuffer {
    handle: sys::LiteRtTensorBuffer,
    mem: AlignedBytes,
}

// SAFETY: the handle is only used with &mut access to the owner or under the model's lock;
// LiteRT tensor buffers over host memory have no thread affinity.
unsafe impl Send for HostBuffer {}

impl HostBuffer {
    pub fn new(info: &TensorInfo, bytes: usize) -> Result<Self> {
        let mut mem = AlignedBytes::zeroed(bytes)?;
        let mut handle: sys::LiteRtTensorBuffer = ptr::null_mut();
        // SAFETY: `mem` outlives `handle` (dropped after it in Drop); no deallocator is given
        // because we free the memory ourselves.
        check("LiteRtCreateTensorBufferFromHostMemory", unsafe {
            sys::LiteRtCreateTensorBufferFromHostMemory(
                &info.ranked,
                mem.as_mut_slice().as_mut_ptr().cast::<c_void>(),
                bytes,
                None,
                &mut handle,
            )
        })?;
        Ok(Self { handle, mem })
    }

    pub fn handle(&self) -> sys::LiteRtTensorBuffer {
        self.handle
    }

    pub fn bytes(&self) -> &AlignedBytes {
        &self.mem
    }

    pub fn bytes_mut(&mut self) -> &mut AlignedBytes {
        &mut self.mem
    }
}

impl Drop for HostBuffer {
    fn drop(&mut self) {
        // SAFETY: created by LiteRtCreateTensorBufferFromHostMemory, destroyed once.
        unsafe { sys::LiteRtDestroyTensorBuffer(self.handle) }
    }
}

/// A loaded and compiled model. Runs need exclusive access (`&mut self`): LiteRT's compiled
/// model keeps per-run scratch state, so callers that share it put it behind a lock.
pub struct CompiledModel {
    env: sys::LiteRtEnvironment,
    model: sys::LiteRtModel,
    compiled: sys::LiteRtCompiledModel,
    /// Kept for the compiled model's lifetime (LiteRT leaves their ownership with us).
    options: Option<CompileOptions>,
    /// The flatbuffer LiteRT reads its weights from; must outlive `model`.
    _flatbuffer: AlignedBytes,
}

// SAFETY: the handles are owned by this value and freed once in Drop; LiteRT objects have
// no thread affinity, and runs take &mut self.
unsafe impl Send for CompiledModel {}
// SAFETY: every call that touches LiteRT's state (`run`) takes &mut self; &self only reads
// the flatbuffer bytes.
unsafe impl Sync for CompiledModel {}

impl CompiledModel {
    /// Loads a flatbuffer already checked to be a TFLite model and compiles it for the CPU.
    pub fn load(flatbuffer: AlignedBytes, threads: usize) -> Result<(Self, Vec<SignatureInfo>)> {
        let mut this = Self {
            env: ptr::null_mut(),
            model: ptr::null_mut(),
            compiled: ptr::null_mut(),
            options: None,
            _flatbuffer: flatbuffer,
        };
        // SAFETY: every out-pointer is a valid local; handles are stored in `this` at once so
        // that Drop frees whatever was created if a later step fails.
        unsafe {
            // CPU only (no probing for GPU plug-in libraries) and warnings or worse in the
            // log: an SDK inside an app keeps quiet unless something is wrong.
            let env_options = [
                env_option(
                    sys::kLiteRtEnvOptionTagAutoRegisterAccelerators,
                    i64::from(sys::kLiteRtHwAcceleratorCpu),
                ),
                env_option(
                    sys::kLiteRtEnvOptionTagMinLoggerSeverity,
                    i64::from(sys::kLiteRtLogSeverityWarning),
                ),
            ];
            check(
                "LiteRtCreateEnvironment",
                sys::LiteRtCreateEnvironment(
                    env_options.len() as i32,
                    env_options.as_ptr(),
                    &mut this.env,
                ),
            )?;
            let fb = this._flatbuffer.as_slice();
            let model = &mut this.model;
            guarded("LiteRtCreateModelFromBuffer", |msg, len| {
                movinet_guarded_create_model(fb.as_ptr().cast(), fb.len(), model, msg, len)
            })
            .map_err(|e| Error::CorruptModel(e.to_string()))?;
        }
        let signatures = this.signatures()?;
        if signatures.is_empty() {
            return Err(Error::NoSignature);
        }
        let options = this.options.insert(CompileOptions::new(threads)?).0;
        // SAFETY: env, model and options are valid and outlive the compiled model.
        unsafe {
            let (env, model, compiled) = (this.env, this.model, &mut this.compiled);
            guarded("LiteRtCreateCompiledModel", |msg, len| {
                movinet_guarded_create_compiled_model(env, model, options, compiled, msg, len)
            })?;
        }
        Ok((this, signatures))
    }

    /// The flatbuffer LiteRT runs (after any load-time rewrite).
    pub fn flatbuffer(&self) -> &[u8] {
        self._flatbuffer.as_slice()
    }

    fn signatures(&self) -> Result<Vec<SignatureInfo>> {
        let mut out = Vec::new();
        // SAFETY: model is valid; all returned handles and strings are owned by it.
        unsafe {
            let mut n: sys::LiteRtParamIndex = 0;
            check(
                "LiteRtGetNumModelSignatures",
                sys::LiteRtGetNumModelSignatures(self.model, &mut n),
            )?;
            for index in 0..n {
                let mut sig: sys::LiteRtSignature = ptr::null_mut();
                check(
                    "LiteRtGetModelSignature",
                    sys::LiteRtGetModelSignature(self.model, index, &mut sig),
                )?;
                let mut key: *const c_char = ptr::null();
                check(
                    "LiteRtGetSignatureKey",
                    sys::LiteRtGetSignatureKey(sig, &mut key),
                )?;
                if cstr(key) == PLACEHOLDER_SIGNATURE_KEY {
                    continue;
                }
                let mut n_in: sys::LiteRtParamIndex = 0;
                let mut n_out: sys::LiteRtParamIndex = 0;
                check(
                    "LiteRtGetNumSignatureInputs",
                    sys::LiteRtGetNumSignatureInputs(sig, &mut n_in),
                )?;
                check(
                    "LiteRtGetNumSignatureOutputs",
                    sys::LiteRtGetNumSignatureOutputs(sig, &mut n_out),
                )?;
                let mut inputs = Vec::with_capacity(n_in);
                for i in 0..n_in {
                    let mut name: *const c_char = ptr::null();
                    let mut t: sys::LiteRtTensor = ptr::null_mut();
                    check(
                        "LiteRtGetSignatureInputName",
                        sys::LiteRtGetSignatureInputName(sig, i, &mut name),
                    )?;
                    check(
                        "LiteRtGetSignatureInputTensorByIndex",
                        sys::LiteRtGetSignatureInputTensorByIndex(sig, i, &mut t),
                    )?;
                    inputs.push(tensor_info(cstr(name), t)?);
                }
                let mut outputs = Vec::with_capacity(n_out);
                for i in 0..n_out {
                    let mut name: *const c_char = ptr::null();
                    let mut t: sys::LiteRtTensor = ptr::null_mut();
                    check(
                        "LiteRtGetSignatureOutputName",
                        sys::LiteRtGetSignatureOutputName(sig, i, &mut name),
                    )?;
                    check(
                        "LiteRtGetSignatureOutputTensorByIndex",
                        sys::LiteRtGetSignatureOutputTensorByIndex(sig, i, &mut t),
                    )?;
                    outputs.push(tensor_info(cstr(name), t)?);
                }
                out.push(SignatureInfo {
                    key: cstr(key),
                    index,
                    inputs,
                    outputs,
                });
            }
        }
        Ok(out)
    }

    /// Runs signature `signature` with buffers bound in the signature's positional order.
    ///
    /// # Safety
    /// Every handle must be a live tensor buffer whose type matches the tensor at its position,
    /// and no buffer may appear both as an input and as an output.
    pub unsafe fn run(
        &mut self,
        signature: usize,
        inputs: &mut [sys::LiteRtTensorBuffer],
        outputs: &mut [sys::LiteRtTensorBuffer],
    ) -> Result<()> {
        guarded("LiteRtRunCompiledModel", |msg, len| {
            movinet_guarded_run(
                self.compiled,
                signature,
                inputs.len(),
                inputs.as_mut_ptr(),
                outputs.len(),
                outputs.as_mut_ptr(),
                msg,
                len,
            )
        })
        .map_err(|e| match (e, self.take_errors()) {
            (Error::Runtime { call, status }, Some(why)) => Error::Runtime {
                call,
                status: format!("{status}: {why}"),
            },
            (e, _) => e,
        })
    }

    /// What the interpreter reported since the last call (the kernels' and the XNNPACK
    /// delegate's own messages, e.g. "Node number 227 (TfLiteXNNPackDelegate) failed to
    /// prepare"), collected by the buffer error reporter the compile options ask for;
    /// cleared once read.
    fn take_errors(&self) -> Option<String> {
        let mut raw: *mut c_char = ptr::null_mut();
        // SAFETY: compiled is valid; on success `raw` is a NUL-terminated malloc'd string we
        // own and free here.
        let text = unsafe {
            if sys::LiteRtCompiledModelGetErrorMessages(self.compiled, &mut raw)
                != sys::kLiteRtStatusOk
                || raw.is_null()
            {
                return None;
            }
            let text = CStr::from_ptr(raw).to_string_lossy().into_owned();
            free(raw.cast());
            let _ = sys::LiteRtCompiledModelClearErrors(self.compiled);
            text
        };
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        (!lines.is_empty()).then(|| lines.join("; "))
    }
}

impl Drop for CompiledModel {
    fn drop(&mut self) {
        // SAFETY: each handle was created by LiteRT and is destroyed once, dependents first.
        unsafe {
            if !self.compiled.is_null() {
                sys::LiteRtDestroyCompiledModel(self.compiled);
            }
            if !self.model.is_null() {
                sys::LiteRtDestroyModel(self.model);
            }
            if !self.env.is_null() {
                sys::LiteRtDestroyEnvironment(self.env);
            }
        }
    }
}

fn env_option(tag: sys::LiteRtEnvOptionTag, value: i64) -> sys::LiteRtEnvOption {
    sys::LiteRtEnvOption {
        tag,
        value: sys::LiteRtAny {
            type_: sys::kLiteRtAnyTypeInt,
            __bindgen_anon_1: sys::LiteRtAny__bindgen_ty_1 { int_value: value },
        },
    }
}

unsafe fn tensor_info(name: String, t: sys::LiteRtTensor) -> Result<TensorInfo> {
    let mut quantization = None;
    let mut q_type: sys::LiteRtQuantizationTypeId = sys::kLiteRtQuantizationNone;
    if sys::LiteRtGetQuantizationTypeId(t, &mut q_type) == sys::kLiteRtStatusOk
        && q_type == sys::kLiteRtQuantizationPerTensor
    {
        let mut q = sys::LiteRtQuantizationPerTensor {
            scale: 0.0,
            zero_point: 0,
        };
        check(
            "LiteRtGetPerTensorQuantization",
            sys::LiteRtGetPerTensorQuantization(t, &mut q),
        )?;
        quantization = Some((q.scale, q.zero_point));
    }
    let mut type_id: sys::LiteRtTensorTypeId = 0;
    check(
        "LiteRtGetTensorTypeId",
        sys::LiteRtGetTensorTypeId(t, &mut type_id),
    )?;
    let mut ranked = sys::LiteRtRankedTensorType::default();
    if type_id != sys::kLiteRtRankedTensorType
        || sys::LiteRtGetRankedTensorType(t, &mut ranked) != sys::kLiteRtStatusOk
    {
        // Unranked tensors never occur in stream models; report them as rank 0 of their type.
        let mut unranked = sys::LiteRtUnrankedTensorType::default();
        let _ = sys::LiteRtGetUnrankedTensorType(t, &mut unranked);
        return Ok(TensorInfo {
            name,
            element_type: ElementType::from_sys(unranked.element_type),
            dims: Vec::new(),
            quantization,
            ranked,
        });
    }
    let rank = (ranked.layout.rank() as usize).min(ranked.layout.dimensions.len());
    let dims = ranked.layout.dimensions[..rank]
        .iter()
        .map(|&d| i64::from(d))
        .collect();
    Ok(TensorInfo {
        name,
        element_type: ElementType::from_sys(ranked.element_type),
        dims,
        quantization,
        ranked,
    })
}

/// Compilation options: CPU (XNNPACK) with a thread count.
struct CompileOptions(sys::LiteRtOptions);

impl CompileOptions {
    fn new(threads: usize) -> Result<Self> {
        let mut opts: sys::LiteRtOptions = ptr::null_mut();
        // SAFETY: out-pointer is valid; on later failure Drop destroys the options.
        unsafe { check("LiteRtCreateOptions", sys::LiteRtCreateOptions(&mut opts))? };
        let this = Self(opts);
        // SAFETY: options valid.
        unsafe {
            check(
                "LiteRtSetOptionsHardwareAccelerators",
                sys::LiteRtSetOptionsHardwareAccelerators(
                    opts,
                    sys::kLiteRtHwAcceleratorCpu as sys::LiteRtHwAcceleratorSet,
                ),
            )?;
        }
        // LiteRT 2.1.4 does not export the LrtCpuOptions helpers; the CPU accelerator reads its
        // settings from an opaque payload with identifier "xnnpack" holding TOML text.
        add_toml_options(opts, c"xnnpack", &format!("num_threads = {threads}"))?;
        // The interpreter's error reporter in buffer mode (2): the kernels' and the XNNPACK
        // delegate's messages are kept for `take_errors` instead of going to stderr, so a
        // model that fails to prepare says why in the error (runtime options, same TOML
        // form, identifier "runtime_options_string").
        add_toml_options(opts, c"runtime_options_string", "error_reporter_mode = 2")?;
        Ok(this)
    }
}

/// Appends an opaque options payload of TOML text to compilation options.
fn add_toml_options(opts: sys::LiteRtOptions, id: &CStr, toml: &str) -> Result<()> {
    let payload = CString::new(toml).map_err(|e| Error::Runtime {
        call: "LiteRtCreateOpaqueOptions",
        status: e.to_string(),
    })?;
    let mut opaque: sys::LiteRtOpaqueOptions = ptr::null_mut();
    // SAFETY: the payload pointer is handed over to LiteRT together with its destructor.
    unsafe {
        let raw = payload.into_raw();
        let status = sys::LiteRtCreateOpaqueOptions(
            id.as_ptr(),
            raw.cast::<c_void>(),
            Some(free_cstring),
            &mut opaque,
        );
        if status != sys::kLiteRtStatusOk {
            drop(CString::from_raw(raw));
            check("LiteRtCreateOpaqueOptions", status)?;
        }
        let status = sys::LiteRtAddOpaqueOptions(opts, opaque);
        if status != sys::kLiteRtStatusOk {
            sys::LiteRtDestroyOpaqueOptions(opaque);
            check("LiteRtAddOpaqueOptions", status)?;
        }
    }
    Ok(())
}

unsafe extern "C" fn free_cstring(p: *mut c_void) {
    if !p.is_null() {
        // SAFETY: p came from CString::into_raw in CompileOptions::new.
        drop(unsafe { CString::from_raw(p.cast::<c_char>()) });
    }
}

impl Drop for CompileOptions {
    fn drop(&mut self) {
        // SAFETY: created by LiteRtCreateOptions; owns the opaque options added to it.
        unsafe { sys::LiteRtDestroyOptions(self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twelve bytes (root offset 8, "TFL3", zeros) make LiteRT 2.1.4 throw std::out_of_range
    /// from `LiteRtCreateModelFromBuffer`. `Model` refuses them earlier (flatbuffer
    /// verification); here they go straight to the engine, to show that an exception LiteRT
    /// throws is an error and not an abort.
    #[test]
    fn an_exception_thrown_inside_litert_is_an_error() {
        let bytes = [8u8, 0, 0, 0, b'T', b'F', b'L', b'3', 0, 0, 0, 0];
        let aligned = AlignedBytes::from_slice(&bytes).expect("buffer");
        match CompiledModel::load(aligned, 1) {
            Err(Error::CorruptModel(message)) => {
                assert!(
                    message.contains("LiteRT threw a C++ exception"),
                    "unexpected message: {message}"
                );
            }
            Err(other) => panic!("expected CorruptModel, got {other:?}"),
            Ok(_) => panic!("twelve bytes loaded as a model"),
        }
    }
}
