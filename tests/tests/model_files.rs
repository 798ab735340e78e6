//! Hostile and broken model files, built here from the real ones: zero-length, bit-flipped,
//! a valid TFLite model that is not a MoViNet stream model, absurd dimensions, quantization
//! parameters and operator operands changed in place (the issue's crashing cases and the
//! crashes the `mutate_models` runner found before the static checks existed), operators the
//! SDK does not run, a model LiteRT cannot prepare, the expected-SHA-256 option, and (a
//! CI-sized smoke of `fuzz/`'s `model_bytes` target) random bytes and random mutations. Each
//! is a typed error or a working model, never a crash. (Truncations and renamed tensors are in
//! `errors.rs`, special files in `special_files.rs`.)

use movinet::{Error, Model, ModelOptions};
use movinet_tests::tflite::{fuzz_case, model_file, put_f32, put_i32, put_i64, Tflite};
use movinet_tests::{a0_path, models_dir};
use proptest::prelude::*;

fn a0_bytes() -> Vec<u8> {
    std::fs::read(a0_path()).unwrap()
}

fn cattle_bytes() -> Vec<u8> {
    std::fs::read(model_file("cattle7")).unwrap()
}

fn load(bytes: &[u8]) -> movinet::Result<Model> {
    Model::from_bytes(bytes, &ModelOptions::default())
}

/// Any outcome but a crash is fine for a mutated file; an accepted one must also run.
fn load_and_run(bytes: &[u8]) -> Result<(), String> {
    match load(bytes) {
        Ok(model) => {
            let spec = model.spec().clone();
            let mut s = model.new_session().map_err(|e| e.to_string())?;
            if let Ok(logits) = s.run(&vec![0.5; spec.input_len()]) {
                if logits.len() != spec.num_classes {
                    return Err(format!("{} logits", logits.len()));
                }
            }
            Ok(())
        }
        Err(e) => typed(&e),
    }
}

/// The errors a bad model file may give, each with a message.
fn typed(e: &Error) -> Result<(), String> {
    match e {
        Error::NotTflite(m)
        | Error::CorruptModel(m)
        | Error::NoImageInput(m)
        | Error::NoLogitsOutput(m)
            if !m.is_empty() =>
        {
            Ok(())
        }
        Error::NoSignature
        | Error::UnmatchedState { .. }
        | Error::UnexpectedInput { .. }
        | Error::UnsupportedOperator { .. }
        | Error::Runtime { .. } => Ok(()),
        other => Err(format!("unexpected error kind {other:?}")),
    }
}

/// `bytes` with the i32 at `pos` set to `value`.
fn with_i32(bytes: &[u8], pos: usize, value: i32) -> Vec<u8> {
    let mut b = bytes.to_vec();
    put_i32(&mut b, pos, value);
    b
}

fn with_f32(bytes: &[u8], pos: usize, value: f32) -> Vec<u8> {
    let mut b = bytes.to_vec();
    put_f32(&mut b, pos, value);
    b
}

fn with_byte(bytes: &[u8], pos: usize, value: u8) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[pos] = value;
    b
}

/// Loading `bytes` is `CorruptModel` with a message containing every fragment.
#[track_caller]
fn corrupt(bytes: &[u8], fragments: &[&str]) {
    match load(bytes) {
        Err(Error::CorruptModel(m)) => {
            for f in fragments {
                assert!(m.contains(f), "`{f}` not in: {m}");
            }
        }
        Err(other) => panic!("expected CorruptModel with {fragments:?}, got {other:?}"),
        Ok(_) => panic!("loaded a model that should be refused ({fragments:?})"),
    }
}

// ---------------------------------------------------------------------------------------------
// A minimal writer of flatbuffers, enough to build small TFLite models.

/// A value of a table field, for the builder.
enum V {
    U32(u32),
    Str(&'static str),
    Ints(Vec<i32>),
    Tables(Vec<T>),
}

/// A table: its fields by index.
struct T(Vec<(usize, V)>);

/// Lays a flatbuffer out front to back (every offset points forward, vtables before their
/// tables), every scalar in a 4-byte slot.
struct Builder(Vec<u8>);

impl Builder {
    fn pad(&mut self) {
        while self.0.len() & 3 != 0 {
            self.0.push(0);
        }
    }

    fn patch(&mut self, at: usize, target: usize) {
        let off = (target - at) as u32;
        self.0[at..at + 4].copy_from_slice(&off.to_le_bytes());
    }

    fn table(&mut self, t: &T) -> usize {
        self.pad();
        let slots = t.0.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
        let vt = self.0.len();
        let vlen = 4 + 2 * slots;
        let tlen = 4 + 4 * t.0.len();
        self.0.extend((vlen as u16).to_le_bytes());
        self.0.extend((tlen as u16).to_le_bytes());
        let mut voff = vec![0u16; slots];
        for (k, (i, _)) in t.0.iter().enumerate() {
            voff[*i] = (4 + 4 * k) as u16;
        }
        for v in voff {
            self.0.extend(v.to_le_bytes());
        }
        self.pad();
        let pos = self.0.len();
        self.0.extend(((pos - vt) as i32).to_le_bytes());
        let fields: Vec<usize> =
            t.0.iter()
                .map(|_| {
                    let p = self.0.len();
                    self.0.extend([0u8; 4]);
                    p
                })
                .collect();
        for ((_, v), at) in t.0.iter().zip(fields) {
            match v {
                V::U32(x) => self.0[at..at + 4].copy_from_slice(&x.to_le_bytes()),
                V::Str(s) => {
                    self.pad();
                    let p = self.0.len();
                    self.0.extend((s.len() as u32).to_le_bytes());
                    self.0.extend(s.as_bytes());
                    self.0.push(0);
                    self.patch(at, p);
                }
                V::Ints(xs) => {
                    self.pad();
                    let p = self.0.len();
                    self.0.extend((xs.len() as u32).to_le_bytes());
                    for x in xs {
                        self.0.extend(x.to_le_bytes());
                    }
                    self.patch(at, p);
                }
                V::Tables(ts) => {
                    self.pad();
                    let p = self.0.len();
                    self.0.extend((ts.len() as u32).to_le_bytes());
                    let slots: Vec<usize> = ts
                        .iter()
                        .map(|_| {
                            let s = self.0.len();
                            self.0.extend([0u8; 4]);
                            s
                        })
                        .collect();
                    for (t, slot) in ts.iter().zip(slots) {
                        let child = self.table(t);
                        self.patch(slot, child);
                    }
                    self.patch(at, p);
                }
            }
        }
        pos
    }

    fn finish(model: &T) -> Vec<u8> {
        let mut b = Builder(vec![0, 0, 0, 0, b'T', b'F', b'L', b'3']);
        let root = b.table(model);
        b.patch(0, root);
        b.0
    }
}

/// A float32 tensor (buffer 0: no data).
fn tensor(name: &'static str, shape: &[i32]) -> T {
    T(vec![
        (0, V::Ints(shape.to_vec())),
        (2, V::U32(0)),
        (3, V::Str(name)),
    ])
}

fn tensor_map(name: &'static str, index: u32) -> T {
    T(vec![(0, V::Str(name)), (1, V::U32(index))])
}

/// One ADD operator: `c = a + b`, as a complete TFLite model with a `serving_default`
/// signature.
fn add_model(names: [&'static str; 3], shapes: [&[i32]; 3]) -> Vec<u8> {
    let opcode = T(vec![(0, V::U32(0)), (2, V::U32(1)), (3, V::U32(0))]); // ADD
    let op = T(vec![
        (0, V::U32(0)),
        (1, V::Ints(vec![0, 1])),
        (2, V::Ints(vec![2])),
    ]);
    let subgraph = T(vec![
        (
            0,
            V::Tables(vec![
                tensor(names[0], shapes[0]),
                tensor(names[1], shapes[1]),
                tensor(names[2], shapes[2]),
            ]),
        ),
        (1, V::Ints(vec![0, 1])),
        (2, V::Ints(vec![2])),
        (3, V::Tables(vec![op])),
        (4, V::Str("main")),
    ]);
    let signature = T(vec![
        (
            0,
            V::Tables(vec![tensor_map(names[0], 0), tensor_map(names[1], 1)]),
        ),
        (1, V::Tables(vec![tensor_map(names[2], 2)])),
        (2, V::Str("serving_default")),
        (4, V::U32(0)),
    ]);
    Builder::finish(&T(vec![
        (0, V::U32(3)),
        (1, V::Tables(vec![opcode])),
        (2, V::Tables(vec![subgraph])),
        (4, V::Tables(vec![T(vec![])])),
        (7, V::Tables(vec![signature])),
    ]))
}

// ---------------------------------------------------------------------------------------------

#[test]
fn zero_length_file() {
    let path = std::env::temp_dir().join(format!("movinet-empty-{}.tflite", std::process::id()));
    std::fs::write(&path, b"").unwrap();
    let err = Model::from_file(&path, &ModelOptions::default()).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(err, Error::NotTflite(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "not a TensorFlow Lite model: the file is empty"
    );
}

#[test]
fn the_twelve_bytes_that_crashed_litert_are_refused() {
    // Found by the model_bytes fuzz target: LiteRT 2.1.4 throws std::out_of_range through
    // its C API on this (an abort of the whole app); the pre-validation refuses it first.
    let err = load(&[8, 0, 0, 0, b'T', b'F', b'L', b'3', 0, 0, 0, 0]).unwrap_err();
    assert!(matches!(err, Error::CorruptModel(_)), "{err:?}");
    assert!(err.to_string().contains("truncated or corrupt"), "{err}");
}

#[test]
fn an_operator_writing_to_tensor_minus_one_is_refused() {
    // Found by the model_bytes fuzz target: an operator output of -1 (an optional input's
    // marker, meaningless for an output) made LiteRT 2.1.4 throw through its C API.
    let b = a0_bytes();
    let f = Tflite::new(&b);
    let outputs = f.elements(f.operators()[0], 2, 4);
    corrupt(&with_i32(&b, outputs[0], -1), &["refers to tensor -1"]);
}

#[test]
fn flipped_bits_in_the_structure_are_typed_errors() {
    let full = a0_bytes();
    let f = Tflite::new(&full);
    let root = f.root();
    let vtable = (root as i64 - i64::from(f.i32_at(root))) as usize;
    let subgraph = f.subgraph();
    let cases: Vec<(usize, u8, &str)> = vec![
        (3, 0x80, "root offset, high bit"),
        (1, 0x01, "root offset, low bit"),
        (5, 0x02, "identifier"),
        (root + 3, 0x40, "root table's vtable offset"),
        (vtable, 0x01, "root vtable length"),
        (
            f.field(root, 2).unwrap() + 3,
            0x40,
            "offset of the subgraphs",
        ),
        (
            f.field(subgraph, 0).unwrap() + 2,
            0x10,
            "offset of the tensors",
        ),
        (
            f.vector(subgraph, 0).unwrap() + 3,
            0x20,
            "number of tensors",
        ),
        (f.vector(root, 7).unwrap() + 2, 0x01, "number of signatures"),
    ];
    for (at, bit, what) in cases {
        let mut b = full.clone();
        b[at] ^= bit;
        let err = load(&b).expect_err(what);
        assert!(
            matches!(err, Error::CorruptModel(_) | Error::NotTflite(_)),
            "{what}: {err:?}"
        );
    }
}

#[test]
fn flipped_bits_anywhere_never_crash() {
    let full = a0_bytes();
    let n = full.len();
    // The flatbuffer's tables and strings sit in the first 8 KB (and metadata at the very
    // end), the weights between: dense at the ends, sparse in the middle.
    let offsets = (0..8192)
        .step_by(17)
        .chain((0..200).map(|i| n - 1 - i * 7))
        .chain((0..64).map(|i| i * (n / 64) + 17));
    let mut accepted = 0;
    for (k, at) in offsets.enumerate() {
        let mut b = full.clone();
        b[at] ^= 1 << (k % 8);
        match load_and_run(&b) {
            Ok(()) => accepted += usize::from(load(&b).is_ok()),
            Err(e) => panic!("bit {} of byte {at}: {e}", k % 8),
        }
    }
    // Flips in the weights still make a model (of other predictions): that is not an error.
    assert!(accepted > 0);
}

#[test]
fn a_valid_tflite_model_that_is_not_a_movinet_stream_model() {
    // One ADD of two vectors: LiteRT loads it fine, the SDK says what is missing.
    let add = add_model(["x", "y", "z"], [&[1, 4], &[1, 4], &[1, 4]]);
    let err = load(&add).unwrap_err();
    assert!(matches!(err, Error::NoImageInput(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "not a MoViNet stream model: signature `serving_default` has no input named `image` \
         (inputs: x, y)"
    );
    // An `image` of the wrong rank.
    let flat = add_model(["image", "y", "logits"], [&[1, 4], &[1, 4], &[1, 4]]);
    let err = load(&flat).unwrap_err();
    assert!(matches!(err, Error::NoImageInput(_)), "{err:?}");
    assert!(err.to_string().contains("float32 [1, 1, H, W, 3]"), "{err}");
    // The right image but `logits` of the wrong shape.
    let frame: &[i32] = &[1, 1, 8, 8, 3];
    let bad_logits = add_model(["image", "y", "logits"], [frame, frame, frame]);
    let err = load(&bad_logits).unwrap_err();
    assert!(matches!(err, Error::NoLogitsOutput(_)), "{err:?}");
    assert!(
        err.to_string().contains("expected float32 [1, classes]"),
        "{err}"
    );
    // An ADD whose declared output is not the sum's shape.
    let wrong = add_model(["x", "y", "z"], [&[1, 4], &[1, 4], &[1, 5]]);
    corrupt(
        &wrong,
        &["operator 0 (ADD): output tensor 2 `z` is declared [1, 5] but the operator computes [1, 4]"],
    );
}

#[test]
fn quantization_parameters_the_runtime_trusts_are_checked() {
    // Both made the runtime crash while it compiled the model (found by the random-mutation
    // proptest below): a scale of -7e21, an int8 zero point of -3137339520.
    let full = a0_bytes();
    let f = Tflite::new(&full);
    let q = f.tensor_named("tfl.quantize");
    let (scales, zero_points) = f.quantization(q);
    corrupt(
        &with_f32(&full, scales[0], -7.1e21),
        &["quantization scale -7.1e21 is not a normal positive number from 1e-12 to 1e12"],
    );
    let mut b = full.clone();
    put_i64(&mut b, zero_points[0], -3_137_339_520);
    corrupt(&b, &["outside -128..=127"]);
}

#[test]
fn the_issues_subnormal_scale_is_refused() {
    // One scale set to 1.4e-45 (a subnormal float: finite and positive, which the earlier
    // check allowed) segfaulted LiteRT while it loaded the model. Scales must be normal and
    // between 1e-12 and 1e12; the smallest normal float (found by `mutate_models`: SIGABRT),
    // 1e-20 and 1e20 (SIGSEGV) are refused too.
    let b = a0_bytes();
    let f = Tflite::new(&b);
    let first_conv_output = f.op_tensors(14).1[0] as usize;
    let scale = f.quantization(first_conv_output).0[0];
    for (value, shown) in [
        (1.4e-45, "1e-45"),
        (f32::MIN_POSITIVE, "1.1754944e-38"),
        (1e-20, "1e-20"),
        (1e20, "1e20"),
        (0.0, "0e0"),
        (f32::NAN, "NaN"),
    ] {
        corrupt(
            &with_f32(&b, scale, value),
            &[&format!("tensor {first_conv_output} of subgraph 0: quantization scale {shown} is not a normal positive number")],
        );
    }
    // Small but sane values stay accepted by the verifier (this one then fails LiteRT's
    // preparation instead: see `a_model_litert_cannot_prepare_is_a_load_failure`).
    assert!(Model::verify(&with_f32(&b, scale, 1e-9), &ModelOptions::default()).is_ok());
}

#[test]
fn the_issues_strided_slice_begins_are_refused() {
    // A STRIDED_SLICE keeps the last 4 of 5 frames of a stream buffer: begin [0, -4, 0, 0, 0].
    // -5 segfaulted on the first run (LiteRT's XNNPACK kernel wrote 5 frames into the 4-frame
    // output); -6, -100 and INT_MIN read before the input.
    let b = a0_bytes();
    let f = Tflite::new(&b);
    let k = *f
        .ops_with_code(movinet_tests::tflite::STRIDED_SLICE)
        .iter()
        .find(|&&k| {
            let begin = f.op_tensors(k).0[1] as usize;
            f.data_words(begin)
                .iter()
                .map(|&p| f.i32_at(p))
                .eq([0, -4, 0, 0, 0])
        })
        .expect("a slice of the last 4 frames");
    let begin = f.data_words(f.op_tensors(k).0[1] as usize)[1];
    // The begin constant is shared by several slices: the first one is reported.
    corrupt(
        &with_i32(&b, begin, -5),
        &[
            "(STRIDED_SLICE): output tensor",
            "is declared [1, 4, ",
            "computes [1, 5, ",
        ],
    );
    for v in [-6, -100, i32::MIN] {
        corrupt(
            &with_i32(&b, begin, v),
            &[
                "(STRIDED_SLICE):",
                &format!("begin {v} along axis 1 is outside its 5 elements"),
            ],
        );
    }
    // One frame fewer is refused as well: the declared output is 4 frames.
    corrupt(&with_i32(&b, begin, -3), &["computes [1, 3, "]);
}

#[test]
fn a_model_litert_cannot_prepare_is_a_load_failure() {
    // Scale 1e-9 on the first convolution's output passes the verifier, but XNNPACK cannot
    // requantize to it: LiteRT 2.1.4 compiles the model without complaint and fails only when
    // it first runs it ("failed to create XNNPACK runtime", "Node number 227
    // (TfLiteXNNPackDelegate) failed to prepare", "Failed to allocate tensors"), after which
    // further runs crashed. The SDK runs one frame while it loads: the load fails, saying why.
    let b = a0_bytes();
    let f = Tflite::new(&b);
    let scale = f.quantization(f.op_tensors(14).1[0] as usize).0[0];
    corrupt(
        &with_f32(&b, scale, 1e-9),
        &[
            "LiteRT cannot prepare it to run on the CPU",
            "failed to create XNNPACK runtime",
            "(TfLiteXNNPackDelegate) failed to prepare",
        ],
    );
}

#[test]
fn operators_the_sdk_does_not_run_are_named() {
    let b = a0_bytes();
    let f = Tflite::new(&b);
    let code = f.tables(f.root(), 1)[0];
    let (deprecated, builtin) = (f.field(code, 0).unwrap(), f.field(code, 3).unwrap());
    let set_code = |c: i32| {
        let mut m = with_i32(&b, builtin, c);
        m[deprecated] = c.min(127) as u8;
        m
    };
    let err = load(&set_code(36)).unwrap_err();
    match &err {
        Error::UnsupportedOperator { name, .. } => assert_eq!(name, "GATHER"),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("the model uses GATHER (operator "),
        "{err}"
    );
    assert!(
        err.to_string().ends_with(
            "which the SDK does not run; MoViNet stream models use only RESHAPE, CONV_2D, \
             DEPTHWISE_CONV_2D, ADD, MUL, QUANTIZE, DEQUANTIZE, CONCATENATION, STRIDED_SLICE, \
             AVERAGE_POOL_2D, SUM, CAST, DIV, HARD_SWISH, MEAN, BROADCAST_TO, LOGISTIC"
        ),
        "{err}"
    );
    // A custom operator (BuiltinOperator 32), and a code past the schema's.
    match load(&set_code(32)).unwrap_err() {
        Error::UnsupportedOperator { name, .. } => {
            assert!(name.starts_with("custom operator `"), "{name}")
        }
        other => panic!("{other:?}"),
    }
    match load(&set_code(4000)).unwrap_err() {
        Error::UnsupportedOperator { name, .. } => assert_eq!(name, "builtin operator 4000"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_operator_kind_checks_its_operands() {
    use movinet_tests::tflite::{AVERAGE_POOL_2D, BROADCAST_TO, CONCATENATION, MEAN, RESHAPE, SUM};
    let a0 = a0_bytes();
    let cattle = cattle_bytes();
    let f = Tflite::new(&a0);
    let c = Tflite::new(&cattle);
    let first = |t: &Tflite, code| t.ops_with_code(code)[0];
    // Operator 14 is the first CONV_2D (3x3, stride 2, 172x172 -> 86x86), 15 a 1x1 CONV_2D,
    // 16 the first DEPTHWISE_CONV_2D; their options tables are read through the schema.
    assert_eq!(f.op_codes()[14..17], [3, 3, 4]);
    let conv_in = f.op_tensors(14).0;
    let filter = conv_in[1] as usize;
    let reshape = first(&f, RESHAPE);
    let shape_words = f.data_words(f.op_tensors(reshape).0[1] as usize);
    let pool = first(&f, AVERAGE_POOL_2D);
    let concat = first(&f, CONCATENATION);
    let sum_axes = f.data_words(f.op_tensors(first(&f, SUM)).0[1] as usize);
    let mean_axes = c.data_words(c.op_tensors(first(&c, MEAN)).0[1] as usize);
    let broadcast = c.op_tensors(first(&c, BROADCAST_TO)).0[1] as usize;
    let broadcast_shape: Vec<usize> = (0..5).map(|i| c.data_words(broadcast)[0] + 8 * i).collect();
    let later_output = f.op_tensors(16).1[0];
    let earlier_output = f.op_tensors(17).1[0];
    // SAME padding (0) is the default, not stored: a VALID one is.
    let valid = *f
        .ops_with_code(movinet_tests::tflite::DEPTHWISE_CONV_2D)
        .iter()
        .find(|&&k| f.option(k, 0).is_some())
        .unwrap();
    let read_before = format!("operator 14 (CONV_2D): reads tensor {later_output} ");

    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("conv stride", with_i32(&a0, f.option(14, 2).unwrap(), 3), vec![
            "operator 14 (CONV_2D): output tensor",
            "is declared [1, 86, 86, 8] but the operator computes [1, 58, 86, 8]",
        ]),
        // (Dilations of 1, the default, are not stored in the options: not editable here.)
        ("conv stride 0", with_i32(&a0, f.option(15, 1).unwrap(), 0), vec![
            "operator 15 (CONV_2D): stride 0 is not positive",
        ]),
        ("padding", with_byte(&a0, f.option(valid, 0).unwrap(), 2), vec![
            "(DEPTHWISE_CONV_2D): padding 2 is neither SAME (0) nor VALID (1)",
        ]),
        ("conv activation", with_byte(&a0, f.option(14, 3).unwrap(), 9), vec![
            "operator 14 (CONV_2D): fused activation 9 is not one the kernels implement",
        ]),
        ("filter zero point", {
            let mut b = a0.clone();
            put_i64(&mut b, f.quantization(filter).1[0], 5);
            b
        }, vec!["operator 14 (CONV_2D): the filter", "has zero point 5; quantized weights are symmetric"]),
        ("bias type", with_byte(&a0, f.field(f.tensors()[conv_in[2] as usize], 1).unwrap(), 9), vec![
            "holds 32 bytes of data, but its shape [8] of int8 takes 8",
        ]),
        ("depth multiplier", with_i32(&a0, f.option(16, 3).unwrap(), 2), vec![
            "operator 16 (DEPTHWISE_CONV_2D): filter [1, 5, 5, 24] with depth multiplier 2 does not fit the input's 24 channels",
        ]),
        ("pool filter", with_i32(&a0, f.option(pool, 4).unwrap(), 200), vec![
            "(AVERAGE_POOL_2D): a 200x3 window with dilation 1x1 does not fit the 86x86 input",
        ]),
        ("pool stride", with_i32(&a0, f.option(pool, 1).unwrap(), 0), vec![
            "(AVERAGE_POOL_2D): stride 0 is not positive",
        ]),
        ("reshape elements", with_i32(&a0, shape_words[3], 4), vec![
            "(RESHAPE): target shape [1, 172, 172, 4] has 118336 elements, the input 88752",
        ]),
        ("reshape shape", {
            let b = with_i32(&a0, shape_words[2], 86);
            with_i32(&b, shape_words[3], 6)
        }, vec!["(RESHAPE): output tensor", "is declared [1, 172, 172, 3] but the operator computes [1, 172, 86, 6]"]),
        ("reshape dimension", with_i32(&a0, shape_words[1], -2), vec![
            "(RESHAPE): target shape [1, -2, 172, 3] has dimension -2",
        ]),
        ("concatenation axis", with_i32(&a0, f.option(concat, 0).unwrap(), 2), vec![
            "(CONCATENATION): input 1 [1, 1, 22, 22, 80] does not fit input 0 [1, 2, 22, 22, 80] along axis 2",
        ]),
        ("concatenation axis range", with_i32(&a0, f.option(concat, 0).unwrap(), 5), vec![
            "(CONCATENATION): axis 5 is outside the inputs' rank 5",
        ]),
        ("sum axis range", with_i32(&a0, sum_axes[2], 7), vec![
            "(SUM): axis 7 is outside the input's rank 5",
        ]),
        ("sum axis twice", with_i32(&a0, sum_axes[2], 2), vec![
            "(SUM): axis 2 is reduced twice",
        ]),
        ("mean axes", with_i32(&cattle, mean_axes[1], 1), vec![
            "(MEAN): output tensor",
            "is declared [1, 1, 1, 1, 24] but the operator computes [1, 1, 1, 43, 24]",
        ]),
        ("broadcast target", {
            let mut b = cattle.clone();
            put_i64(&mut b, broadcast_shape[4], 25);
            b
        }, vec!["(BROADCAST_TO): cannot broadcast [1, 1, 1, 1, 24] to [1, 1, 43, 43, 25]"]),
        ("broadcast output", {
            let mut b = cattle.clone();
            put_i64(&mut b, broadcast_shape[3], 44);
            b
        }, vec!["(BROADCAST_TO): output tensor", "is declared [1, 1, 43, 43, 24] but the operator computes [1, 1, 43, 44, 24]"]),
        ("input left out", with_i32(&a0, f.elements(f.operators()[14], 1, 4)[0], -1), vec![
            "operator 14 (CONV_2D): input 0 is left out",
        ]),
        ("read before written", with_i32(&a0, f.elements(f.operators()[14], 1, 4)[0], later_output), vec![
            &read_before,
            "which is neither a model input, a constant nor written by an earlier operator",
        ]),
        // Operators 17 and 21 both write [1, 43, 43, 8].
        ("written twice", with_i32(&a0, f.elements(f.operators()[21], 2, 4)[0], earlier_output), vec![
            "operator 21 (CONV_2D): tensor",
            "is written by an earlier operator too",
        ]),
    ];
    for (what, bytes, fragments) in cases {
        match load(&bytes) {
            Err(Error::CorruptModel(m)) => {
                for frag in &fragments {
                    assert!(m.contains(frag), "{what}: `{frag}` not in: {m}");
                }
            }
            other => panic!("{what}: expected CorruptModel, got {other:?}"),
        }
    }
}

#[test]
fn an_add_the_int8_kernel_cannot_rescale_is_refused() {
    // Found by `mutate_models` after the shape checks: one ADD output scale of the fine-tuned
    // model changed from 1.33 to 4e-8 (normal, in range). XNNPACK declines the node, and
    // TFLite's own int8 ADD aborts the process (TFLITE_CHECK) on a rescaling of 64.
    let (name, bytes, changes) = fuzz_case(&["a0".into(), "cattle7".into()], 5661, false);
    assert_eq!(
        (name.as_str(), changes.join("; ")),
        (
            "cattle7",
            "@2865804: scale 1.3294685e0 -> 3.962125e-8".into()
        )
    );
    corrupt(
        &bytes,
        &[
            "(ADD): input scales 1.331e0 and 4.238e-1 against output scale 3.962e-8 need a \
             rescaling by 6.408e1, beyond what the int8 kernel computes (below 1)",
        ],
    );
}

/// Every crash `mutate_models` found on the models before the static checks existed
/// (`mutate_models --minutes 12 --seed 1`: 6,921 cases, 83 SIGSEGV or SIGABRT), by seed,
/// with the changes that seed makes, so that a change to the runner that would make a seed
/// mean another case fails here instead of testing something else.
const CRASHES_BEFORE_THE_CHECKS: &[(u64, &str)] = &[
    (78, "@2895108: OpTensor 432 -> -1"),
    (141, "@2723112: OpTensor 686 -> -1"),
    (291, "@2723268: OpTensor 245 -> -1"),
    (314, "@3275972: BuiltinCode 4 -> 3; @2894792: OptionInt 29 -> -29"),
    (374, "@2898496: OpTensor 178 -> -1"),
    (375, "@2708992: ConstInt 5 -> 3; @2719424: OpTensor 733 -> -1"),
    (399, "@2720760: OptionInt 29 -> 30"),
    (439, "@2736528: OpTensor 47 -> 229; @2997315: TensorType 2 -> 3"),
    (642, "@2890448: ConstInt -49735 -> 0; @2894423: OptionByte 3 -> 2; @2898132: OpTensor 371 -> -1"),
    (985, "@2713548: OpTensor 323 -> -1; @3301828: ShapeDim 1 -> 0"),
    (1076, "@3233344: zero point 0 -> 127; @2901928: OpTensor 134 -> -1"),
    (1104, "@2901608: OptionInt 29 -> 2147483647"),
    (1123, "@2713908: OpTensor 319 -> -1"),
    (1256, "@2902680: OpTensor 123 -> -1"),
    (1258, "@2904224: OpTensor 46 -> -1"),
    (1340, "@3191555: TensorType 2 -> 3; @2951124: scale 4.359111e-1 -> 3.4028235e38; @2896011: OptionByte 3 -> 9"),
    (1758, "@2908836: scale 5.8707875e-1 -> 1.1754944e-38"),
    (1797, "@2720760: OptionInt 29 -> 2147483647"),
    (1883, "@2728132: OpTensor 140 -> -1"),
    (1952, "@2898188: OpTensor 53 -> -1; @2897964: OpcodeIndex 3 -> 4"),
    (1974, "@2898188: OpTensor 53 -> -1"),
    (2059, "@2733660: OpTensor 436 -> -1"),
    (2068, "@2898820: OpTensor 357 -> -1"),
    (2243, "@2718436: OpTensor 792 -> -1"),
    (2488, "@2892600: ConstInt 11 -> 5; @2894820: OpTensor 55 -> -1; @2895856: OpcodeIndex 4 -> 0"),
    (2586, "@2899736: OpTensor 161 -> -1"),
    (2594, "@2892820: ConstInt 0 -> 0; @2901536: OpTensor 81 -> -1"),
    (2638, "@2901967: OptionByte 3 -> 9; @2890432: ConstInt -3930 -> -3928; @2897480: OptionInt 29 -> 27"),
    (2761, "@2720824: OpTensor 69 -> -1; @2811472: TensorBuffer 640 -> 641; @2778860: TensorBuffer 769 -> 729"),
    (2814, "@2901864: OpTensor 56 -> -1"),
    (2822, "@2901728: OpTensor 136 -> -1"),
    (2831, "@2721716: OpTensor 713 -> -1; @2869468: ShapeDim 1 -> 0; @2730888: OptionInt 1 -> 0"),
    (2838, "@2898732: OpTensor 359 -> 358; @4084: SignatureTensor 43 -> 44; @2903016: OpTensor 118 -> -1"),
    (2874, "@2910196: scale 1.9680434e-1 -> 1e20"),
    (2917, "@2727376: OpTensor 21 -> -1"),
    (2992, "@2899712: OptionInt 1 -> -215; @2944216: ShapeDim 1 -> 2; @2898496: OpTensor 178 -> -1"),
    (3078, "@2903204: OpTensor 53 -> -1; @3191204: scale 4.4319485e-3 -> 5.2832944e-10"),
    (3132, "@2898856: OptionInt 29 -> -1"),
    (3257, "@2721048: OpTensor 78 -> -1"),
    (3486, "@2894924: OpTensor 436 -> -1"),
    (3493, "@2724823: OptionByte 3 -> 4; @2723811: OptionByte 1 -> 0; @2729680: OpTensor 537 -> -1"),
    (3557, "@3017288: scale 7.033955e-5 -> 1e20; @3308192: scale 2.3484674e-1 -> 1e-45"),
    (3868, "@2938080: zero point -128 -> -128; @2903508: OpTensor 262 -> -1"),
    (3896, "@2894864: OpTensor 437 -> -1"),
    (3928, "@2900072: OpTensor 156 -> -1"),
    (3949, "@3308824: scale 1.9807707e-1 -> 1e-45; @2708416: ConstInt 384 -> 192"),
    (4156, "@2895364: OptionInt 1 -> -2147483648; @2898132: OpTensor 371 -> -1; @2893056: ConstInt 43 -> 42"),
    (4176, "@2892476: ConstInt 0 -> -1; @3191208: scale 5.1604947e-3 -> 1.1754944e-38; @2900940: OpTensor 63 -> -1"),
    (4220, "@2945208: zero point -128 -> -128; @2900964: OpcodeIndex 1 -> 0; @2900852: OpTensor 314 -> -1"),
    (4274, "@2903016: OpTensor 118 -> -1"),
    (4355, "@2730608: OpTensor 507 -> -1"),
    (4397, "@2884392: scale 2.611255e-1 -> 6.76192e-39"),
    (4460, "@2899200: OpcodeIndex 1 -> 0; @2904091: OptionByte 3 -> 17; @2904056: OpTensor 47 -> -1"),
    (4511, "@2714940: OpTensor 106 -> -1"),
    (4534, "@2899964: OpTensor 158 -> -1; @2911088: scale 2.3529412e-2 -> 3.4028235e38"),
    (4616, "@3275880: BuiltinCode 45 -> 44; @2894812: OpTensor 63 -> -1"),
    (4683, "@2746252: scale 8.0876535e-1 -> 9.981107e-39"),
    (4719, "@2719424: OpTensor 733 -> -1"),
    (4821, "@2884704: scale 2.8333014e-1 -> 1e-45"),
    (4880, "@2898856: OptionInt 29 -> 14"),
    (5308, "@2905264: SubgraphTensor 284 -> 283; @2895680: OpTensor 217 -> -1; @2957708: ShapeDim 3 -> 6"),
    (5333, "@2717784: OpTensor 807 -> -1"),
    (5530, "@2895916: OpTensor 71 -> 175"),
    (5532, "@2894964: OpTensor 75 -> 233"),
    (5619, "@2720760: OptionInt 29 -> 58"),
    (5661, "@2865804: scale 1.3294685e0 -> 3.962125e-8"),
    (5663, "@2778460: scale 1.3954154e0 -> 1.37246e-39"),
    (5664, "@2909436: ShapeDim 480 -> 240; @2892752: ConstInt 1 -> 2147483647"),
    (5689, "@2720467: OptionByte 1 -> 98; @2721972: OpTensor 712 -> -1; @2739100: SubgraphTensor 7 -> 723"),
    (5722, "@2899256: OptionInt 1 -> 2147483647; @2895880: OpTensor 214 -> -1; @2957632: scale 3.921569e-3 -> 1.1701079e-38"),
    (5836, "@2894924: OpTensor 436 -> -1"),
    (5848, "@2899508: OpTensor 343 -> -1; @4812: SignatureTensor 18 -> 144"),
    (6132, "@2892896: ConstInt 1 -> 0; @3156596: TensorBuffer 179 -> 180; @2903512: OpTensor 113 -> -1"),
    (6376, "@2900028: OpcodeIndex 3 -> 1; @2903508: OpTensor 262 -> -1; @2905280: SubgraphTensor 5 -> 6"),
    (6703, "@2718780: OpTensor 50 -> -1"),
    (6716, "@2898696: OpTensor 174 -> -1"),
    (6717, "@2726728: OpTensor 604 -> -1"),
    (6754, "@2904364: OpTensor 101 -> -1"),
    (6793, "@2738480: OpTensor 15 -> -1"),
    (6796, "@2898496: OpTensor 178 -> -1"),
    (6843, "@2734576: OpTensor 159 -> -1; @2739020: SubgraphTensor 628 -> 629; @2720467: OptionByte 1 -> 0"),
    (6854, "@2899448: OpcodeIndex 7 -> 0; @2900160: OpTensor 88 -> -1; @2940768: scale 2.3529412e-2 -> 1.5420236e3"),
    (6862, "@2911744: scale 3.8170168e-1 -> 1e-20"),
];

#[test]
fn the_crashes_mutate_models_found_are_typed_errors() {
    let models = ["a0".to_string(), "cattle7".to_string()];
    for &(seed, expected) in CRASHES_BEFORE_THE_CHECKS {
        let (_, bytes, changes) = fuzz_case(&models, seed, false);
        assert_eq!(changes.join("; "), expected, "case {seed} changed meaning");
        // All are refused now; a model that ran would have to run correctly as well.
        match load(&bytes) {
            Err(e) => typed(&e).unwrap_or_else(|m| panic!("case {seed}: {m}")),
            Ok(_) => panic!("case {seed} ({expected}) loaded"),
        }
    }
}

#[test]
fn absurd_dimensions_are_refused_before_the_runtime_allocates() {
    let full = a0_bytes();
    let f = Tflite::new(&full);
    let image = f.shape(f.tensor_named("serving_default_image:"));
    // The image input, 2^30 rows.
    let err = load(&with_i32(&full, image[2], 1 << 30)).unwrap_err();
    assert!(matches!(err, Error::CorruptModel(_)), "{err:?}");
    assert!(err.to_string().contains("would take"), "{err}");
    // A state tensor: i32::MAX in every dimension.
    let mut b = full.clone();
    for p in f.shape(f.tensor_named("serving_default_state_head_pool_buffer:")) {
        put_i32(&mut b, p, i32::MAX);
    }
    assert!(matches!(load(&b).unwrap_err(), Error::CorruptModel(_)));
    // A negative dimension.
    let err = load(&with_i32(&full, image[3], -7)).unwrap_err();
    assert!(err.to_string().contains("negative dimension"), "{err}");
    // Big but not absurd (5000 rows, 6 MB): the shape checks see the QUANTIZE after it
    // disagree.
    corrupt(
        &with_i32(&full, image[2], 5000),
        &[
            "(QUANTIZE): output tensor",
            "is declared [1, 1, 172, 172, 3] but the operator computes [1, 1, 5000, 172, 3]",
        ],
    );
    // And in a built model.
    let huge: &[i32] = &[1, 1, 100_000, 100_000, 3];
    let err = load(&add_model(
        ["image", "y", "logits"],
        [huge, huge, &[1, 600]],
    ))
    .unwrap_err();
    assert!(matches!(err, Error::CorruptModel(_)), "{err:?}");
}

#[test]
fn the_supported_models_pass_the_verifier_unchanged() {
    let dir = models_dir();
    for (file, operators, tensors) in [
        ("movinet_a0_stream_int8.tflite", 227, 452),
        ("custom/cattle7_a0_stream_int8.tflite", 606, 928),
        (
            "synthetic/movinet_a0_stream_int8_synthetic.tflite",
            227,
            452,
        ),
        ("synthetic/movinet_a1_stream_int8_synthetic.tflite", 338, 0),
        ("synthetic/movinet_a2_stream_int8_synthetic.tflite", 368, 0),
    ] {
        let path = dir.join(file);
        let summary = Model::verify_file(&path, &ModelOptions::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let ops: usize = summary.operators.iter().map(|(_, n)| n).sum();
        assert_eq!(ops, operators, "{file}");
        if tensors > 0 {
            assert_eq!(summary.tensors, tensors, "{file}");
        }
        assert_eq!(summary.subgraphs, 1);
        assert_eq!(
            summary.bytes as u64,
            std::fs::metadata(&path).unwrap().len()
        );
        // And they load and run.
        let model = Model::from_file(&path, &ModelOptions::default()).unwrap();
        let mut s = model.new_session().unwrap();
        let logits = s.run(&vec![0.5; model.spec().input_len()]).unwrap();
        assert!(logits.iter().all(|x| x.is_finite()), "{file}");
    }
}

// ---------------------------------------------------------------------------------------------
// The expected-SHA-256 option.

/// The A0 file's digest, as `../shared/SHA256SUMS` and `models/manifest.toml` give it.
const A0_SHA256: &str = "6125b36e2485eeb5cc1fd6206cf5e5d70235593fbc84610d1dce97fe3aa9c2ac";

fn pinned(sha256: &str) -> ModelOptions {
    ModelOptions {
        model_sha256: Some(sha256.to_string()),
        ..ModelOptions::default()
    }
}

#[test]
fn the_expected_digest_loads_the_model() {
    let summary = Model::verify_file(a0_path(), &ModelOptions::default()).unwrap();
    assert_eq!(summary.sha256, A0_SHA256);
    for digest in [A0_SHA256.to_string(), A0_SHA256.to_uppercase()] {
        let model = Model::from_file(a0_path(), &pinned(&digest)).unwrap();
        assert_eq!(model.spec().num_classes, 600);
        assert_eq!(
            model.options().model_sha256.as_deref(),
            Some(digest.as_str())
        );
    }
    assert!(Model::from_bytes(&a0_bytes(), &pinned(A0_SHA256)).is_ok());
}

#[test]
fn another_file_is_a_digest_mismatch_before_anything_reads_it() {
    // A download cut short.
    let cut = &a0_bytes()[..3_000_000];
    let err = Model::from_bytes(cut, &pinned(A0_SHA256)).unwrap_err();
    match &err {
        Error::ModelDigestMismatch { expected, actual } => {
            assert_eq!(expected, A0_SHA256);
            assert_eq!(actual.len(), 64);
            assert_ne!(actual, A0_SHA256);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "model file does not have the expected SHA-256 (expected {A0_SHA256}, got {}): \
             corrupted, truncated or replaced",
            match &err {
                Error::ModelDigestMismatch { actual, .. } => actual.clone(),
                _ => unreachable!(),
            }
        )
    );
    // The digest comes first: bytes that are not a model at all (and the 12 bytes that made
    // LiteRT throw) are a mismatch, not a parse error.
    for bytes in [
        &b"not a model"[..],
        &[8, 0, 0, 0, b'T', b'F', b'L', b'3', 0, 0, 0, 0],
    ] {
        assert!(matches!(
            Model::from_bytes(bytes, &pinned(A0_SHA256)),
            Err(Error::ModelDigestMismatch { .. })
        ));
    }
    // The synthetic A0 (same architecture, other weights) is another file.
    let synthetic = dir_file("synthetic/movinet_a0_stream_int8_synthetic.tflite");
    assert!(matches!(
        Model::from_file(synthetic, &pinned(A0_SHA256)),
        Err(Error::ModelDigestMismatch { .. })
    ));
}

fn dir_file(name: &str) -> std::path::PathBuf {
    models_dir().join(name)
}

#[test]
fn a_malformed_digest_is_an_invalid_option() {
    for bad in [
        "",
        "abc",
        &format!("{A0_SHA256}0"),
        &"g".repeat(64),
        &format!(" {}", &A0_SHA256[1..]),
    ] {
        match Model::from_file(a0_path(), &pinned(bad)) {
            Err(Error::InvalidOption {
                option: "model_sha256",
                reason,
            }) => assert!(
                reason.starts_with("must be 64 hexadecimal digits, got `"),
                "{reason}"
            ),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

proptest! {
    // A CI-sized smoke of the fuzz targets in fuzz/ (each load compiles a model: keep it short),
    // on a fixed seed: the same 200 cases every run. Random seeds made CI a lottery, since
    // some mutations of the weights make LiteRT itself abort while it runs the model (model
    // files are trusted input: README, "Security and robustness"). Open-ended search is the
    // job of the fuzz targets and of `mutate_models`.
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        rng_seed: prop::test_runner::RngSeed::Fixed(0x6d6f_7669_6e65_7400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_with_a_tflite_header_never_crash(
        mut bytes in prop::collection::vec(any::<u8>(), 8..2048),
        root in 0u32..2048,
    ) {
        bytes[0..4].copy_from_slice(&(root & !3).to_le_bytes());
        bytes[4..8].copy_from_slice(b"TFL3");
        prop_assert!(load_and_run(&bytes).is_ok());
    }

    #[test]
    fn random_mutations_of_the_real_model_never_crash(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        cut in prop::option::weighted(0.2, any::<prop::sample::Index>()),
    ) {
        let mut bytes = A0.with(Clone::clone);
        let n = bytes.len();
        for (at, value, region) in edits {
            // Mostly the structure at the ends of the file, sometimes the weights.
            let i = match region {
                0 => at.index(8192),
                1 => n - 1 - at.index(65536),
                _ => at.index(n),
            };
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(n));
        }
        prop_assert!(load_and_run(&bytes).is_ok());
    }
}

thread_local! {
    static A0: Vec<u8> = a0_bytes();
}
