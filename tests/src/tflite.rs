//! Editing real `.tflite` files in place, for the tests that craft hostile models and for the
//! `mutate_models` runner: a small reader of the TFLite flatbuffer (schema v3) that finds the
//! byte position of each value worth changing, without a second schema library.
//!
//! It trusts its input (the team's real models): it panics on a malformed file, which never
//! reaches the SDK from here.

/// Byte positions inside a TFLite flatbuffer.
pub struct Tflite<'a> {
    pub bytes: &'a [u8],
}

/// `BuiltinOperator` codes of operators the models use.
pub const STRIDED_SLICE: i32 = 45;
pub const CONV_2D: i32 = 3;
pub const DEPTHWISE_CONV_2D: i32 = 4;
pub const RESHAPE: i32 = 22;
pub const CONCATENATION: i32 = 2;
pub const AVERAGE_POOL_2D: i32 = 1;
pub const SUM: i32 = 74;
pub const MEAN: i32 = 40;
pub const ADD: i32 = 0;
pub const BROADCAST_TO: i32 = 130;

impl<'a> Tflite<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub fn u32_at(&self, p: usize) -> usize {
        u32::from_le_bytes(self.bytes[p..p + 4].try_into().unwrap()) as usize
    }

    pub fn i32_at(&self, p: usize) -> i32 {
        i32::from_le_bytes(self.bytes[p..p + 4].try_into().unwrap())
    }

    /// Position of field `i` of the table at `t`, if present.
    pub fn field(&self, t: usize, i: usize) -> Option<usize> {
        let b = self.bytes;
        let vt = (t as i64 - i64::from(self.i32_at(t))) as usize;
        let vlen = u16::from_le_bytes([b[vt], b[vt + 1]]) as usize;
        let e = vt + 4 + 2 * i;
        if e + 2 > vt + vlen {
            return None;
        }
        let off = u16::from_le_bytes([b[e], b[e + 1]]) as usize;
        (off != 0).then_some(t + off)
    }

    pub fn deref(&self, p: usize) -> usize {
        p + self.u32_at(p)
    }

    /// The length word of the vector in field `i` of table `t`.
    pub fn vector(&self, t: usize, i: usize) -> Option<usize> {
        self.field(t, i).map(|p| self.deref(p))
    }

    /// Positions of the elements of the vector in field `i` (`size` bytes each).
    pub fn elements(&self, t: usize, i: usize, size: usize) -> Vec<usize> {
        self.vector(t, i)
            .map(|v| (0..self.u32_at(v)).map(|k| v + 4 + size * k).collect())
            .unwrap_or_default()
    }

    /// The tables of the vector of tables in field `i`.
    pub fn tables(&self, t: usize, i: usize) -> Vec<usize> {
        self.elements(t, i, 4)
            .into_iter()
            .map(|p| self.deref(p))
            .collect()
    }

    pub fn ints(&self, t: usize, i: usize) -> Vec<i32> {
        self.elements(t, i, 4)
            .into_iter()
            .map(|p| self.i32_at(p))
            .collect()
    }

    pub fn string(&self, t: usize, i: usize) -> String {
        match self.vector(t, i) {
            Some(s) => {
                String::from_utf8_lossy(&self.bytes[s + 4..s + 4 + self.u32_at(s)]).into_owned()
            }
            None => String::new(),
        }
    }

    pub fn root(&self) -> usize {
        self.u32_at(0)
    }

    pub fn subgraph(&self) -> usize {
        self.tables(self.root(), 2)[0]
    }

    pub fn tensors(&self) -> Vec<usize> {
        self.tables(self.subgraph(), 0)
    }

    pub fn operators(&self) -> Vec<usize> {
        self.tables(self.subgraph(), 3)
    }

    /// The builtin code of each operator (the larger of the deprecated and the new field).
    pub fn op_codes(&self) -> Vec<i32> {
        let codes: Vec<i32> = self
            .tables(self.root(), 1)
            .into_iter()
            .map(|c| {
                let deprecated = self
                    .field(c, 0)
                    .map_or(0, |p| i32::from(self.bytes[p] as i8));
                let builtin = self.field(c, 3).map_or(0, |p| self.i32_at(p));
                deprecated.max(builtin)
            })
            .collect();
        self.operators()
            .into_iter()
            .map(|o| codes[self.field(o, 0).map_or(0, |p| self.u32_at(p))])
            .collect()
    }

    /// Index of the first tensor whose name contains `name`.
    pub fn tensor_named(&self, name: &str) -> usize {
        self.tensors()
            .into_iter()
            .position(|t| self.string(t, 3).contains(name))
            .unwrap_or_else(|| panic!("no tensor named like {name}"))
    }

    /// Positions of the elements of tensor `t`'s quantization scales (f32) and zero points
    /// (i64).
    pub fn quantization(&self, t: usize) -> (Vec<usize>, Vec<usize>) {
        let tensor = self.tensors()[t];
        match self.field(tensor, 4).map(|p| self.deref(p)) {
            Some(q) => (self.elements(q, 2, 4), self.elements(q, 3, 8)),
            None => (Vec::new(), Vec::new()),
        }
    }

    /// Positions of tensor `t`'s shape elements.
    pub fn shape(&self, t: usize) -> Vec<usize> {
        self.elements(self.tensors()[t], 0, 4)
    }

    /// Positions of the 4-byte words of tensor `t`'s constant data (empty if it has none).
    pub fn data_words(&self, t: usize) -> Vec<usize> {
        let tensor = self.tensors()[t];
        let buffer = self.field(tensor, 2).map_or(0, |p| self.u32_at(p));
        let b = self.tables(self.root(), 4)[buffer];
        match self.vector(b, 0) {
            Some(v) => (0..self.u32_at(v) / 4).map(|k| v + 4 + 4 * k).collect(),
            None => Vec::new(),
        }
    }

    /// Operator `k`'s inputs and outputs.
    pub fn op_tensors(&self, k: usize) -> (Vec<i32>, Vec<i32>) {
        let o = self.operators()[k];
        (self.ints(o, 1), self.ints(o, 2))
    }

    /// Position of field `i` of operator `k`'s builtin options table.
    pub fn option(&self, k: usize, i: usize) -> Option<usize> {
        let o = self.operators()[k];
        let options = self.deref(self.field(o, 4)?);
        self.field(options, i)
    }

    /// Indices of the operators with builtin code `code`.
    pub fn ops_with_code(&self, code: i32) -> Vec<usize> {
        self.op_codes()
            .into_iter()
            .enumerate()
            .filter(|&(_, c)| c == code)
            .map(|(k, _)| k)
            .collect()
    }
}

pub fn put_i32(b: &mut [u8], p: usize, v: i32) {
    b[p..p + 4].copy_from_slice(&v.to_le_bytes());
}

pub fn put_f32(b: &mut [u8], p: usize, v: f32) {
    b[p..p + 4].copy_from_slice(&v.to_le_bytes());
}

pub fn put_i64(b: &mut [u8], p: usize, v: i64) {
    b[p..p + 8].copy_from_slice(&v.to_le_bytes());
}

// ---------------------------------------------------------------------------------------------
// Mutation sites: every value of the structure and the small constants a mutation may change.

/// What a value at a site is, which decides how it is mutated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An f32 quantization scale.
    Scale,
    /// An i64 quantization zero point.
    ZeroPoint,
    /// The i32 `quantized_dimension` of a quantization table.
    QuantizedDimension,
    /// One i32 dimension of a tensor's shape.
    ShapeDim,
    /// An i32 of a small constant tensor (slice begin/end/strides, reshape shapes, axes,
    /// biases of few channels).
    ConstInt,
    /// An i32 field of an operator's builtin options (strides, dilations, axes, masks, filter
    /// sizes, depth multipliers).
    OptionInt,
    /// A one-byte field of an operator's builtin options (padding, activation, keep_dims).
    OptionByte,
    /// An operator's input or output tensor index.
    OpTensor,
    /// An operator's operator-code index.
    OpcodeIndex,
    /// A tensor's buffer index.
    TensorBuffer,
    /// A tensor's element type (one byte).
    TensorType,
    /// An operator code's builtin code (i32).
    BuiltinCode,
    /// A subgraph input or output tensor index.
    SubgraphTensor,
    /// A signature's tensor index.
    SignatureTensor,
}

impl Kind {
    /// Bytes the value takes.
    pub fn size(self) -> usize {
        match self {
            Kind::ZeroPoint => 8,
            Kind::OptionByte | Kind::TensorType => 1,
            _ => 4,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Site {
    pub pos: usize,
    pub kind: Kind,
}

/// Field sizes (4 or 1 bytes) of the builtin options tables the models use, by
/// `BuiltinOptions` type; vectors and unknown tables are left alone.
fn option_fields(options_type: u8) -> &'static [usize] {
    match options_type {
        1 => &[1, 4, 4, 1, 4, 4, 1], // Conv2DOptions
        2 => &[1, 4, 4, 4, 1, 4, 4], // DepthwiseConv2DOptions
        5 => &[1, 4, 4, 4, 4, 1],    // Pool2DOptions
        10 => &[4, 1],               // ConcatenationOptions
        11 => &[1, 1],               // AddOptions
        21 | 29 => &[1],             // MulOptions, DivOptions
        27 => &[1],                  // ReducerOptions
        32 => &[4, 4, 4, 4, 4, 1],   // StridedSliceOptions
        37 => &[1, 1],               // CastOptions
        _ => &[],
    }
}

/// Every mutation site of subgraph 0, the operator codes and the signatures.
pub fn sites(bytes: &[u8]) -> Vec<Site> {
    let f = Tflite::new(bytes);
    let mut out = Vec::new();
    let mut add = |pos: usize, kind: Kind| out.push(Site { pos, kind });
    let root = f.root();
    let sg = f.subgraph();
    for t in 0..f.tensors().len() {
        let tensor = f.tensors()[t];
        let (scales, zeros) = f.quantization(t);
        // Per-channel vectors are long: a few of their elements are enough.
        for &p in scales.iter().take(3) {
            add(p, Kind::Scale);
        }
        for &p in zeros.iter().take(3) {
            add(p, Kind::ZeroPoint);
        }
        if let Some(q) = f.field(tensor, 4).map(|p| f.deref(p)) {
            if let Some(p) = f.field(q, 6) {
                add(p, Kind::QuantizedDimension);
            }
        }
        for p in f.shape(t) {
            add(p, Kind::ShapeDim);
        }
        let words = f.data_words(t);
        let ty = f.field(tensor, 1).map_or(0, |p| bytes[p]);
        if ty == 2 && words.len() <= 16 {
            for p in words {
                add(p, Kind::ConstInt);
            }
        }
        if let Some(p) = f.field(tensor, 2) {
            add(p, Kind::TensorBuffer);
        }
        if let Some(p) = f.field(tensor, 1) {
            add(p, Kind::TensorType);
        }
    }
    for o in f.operators() {
        for p in f.elements(o, 1, 4).into_iter().chain(f.elements(o, 2, 4)) {
            add(p, Kind::OpTensor);
        }
        if let Some(p) = f.field(o, 0) {
            add(p, Kind::OpcodeIndex);
        }
        let options_type = f.field(o, 3).map_or(0, |p| bytes[p]);
        if let Some(table) = f.field(o, 4).map(|p| f.deref(p)) {
            for (i, &size) in option_fields(options_type).iter().enumerate() {
                if let Some(p) = f.field(table, i) {
                    add(
                        p,
                        if size == 4 {
                            Kind::OptionInt
                        } else {
                            Kind::OptionByte
                        },
                    );
                }
            }
        }
    }
    for c in f.tables(root, 1) {
        if let Some(p) = f.field(c, 3) {
            add(p, Kind::BuiltinCode);
        }
    }
    for p in f.elements(sg, 1, 4).into_iter().chain(f.elements(sg, 2, 4)) {
        add(p, Kind::SubgraphTensor);
    }
    for s in f.tables(root, 7) {
        for m in f.tables(s, 0).into_iter().chain(f.tables(s, 1)) {
            if let Some(p) = f.field(m, 1) {
                add(p, Kind::SignatureTensor);
            }
        }
    }
    out
}

/// A small deterministic generator (xorshift64*), so a case is reproduced by its seed alone.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // SplitMix64 of the seed, so nearby seeds give unrelated streams.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Self((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// A new value for the site, near the old one or at an edge; returns a description.
pub fn mutate(bytes: &mut [u8], site: Site, rng: &mut Rng, tensors: usize) -> String {
    let p = site.pos;
    let old_i32 = || i32::from_le_bytes(bytes[p..p + 4].try_into().unwrap());
    let near_int = |rng: &mut Rng, v: i32| -> i32 {
        match rng.below(12) {
            0 => v.wrapping_add(1),
            1 => v.wrapping_sub(1),
            2 => v.wrapping_neg(),
            3 => v.wrapping_mul(2),
            4 => v / 2,
            5 => 0,
            6 => -1,
            7 => i32::MIN,
            8 => i32::MAX,
            9 => rng.below(600) as i32 - 300,
            10 => v.wrapping_add(rng.below(9) as i32 - 4),
            _ => rng.below(10) as i32 - 5,
        }
    };
    match site.kind {
        Kind::Scale => {
            let old = f32::from_le_bytes(bytes[p..p + 4].try_into().unwrap());
            let new = match rng.below(12) {
                0 => 1.4e-45,                                         // the subnormal
                1 => f32::from_bits(1 + rng.below(0x7f_ffff) as u32), // any subnormal
                2 => 0.0,
                3 => -old,
                4 => f32::NAN,
                5 => f32::INFINITY,
                6 => f32::MIN_POSITIVE,
                7 => f32::MAX,
                8 => 1e-20,
                9 => 1e20,
                _ => old * (2f32).powi(rng.below(81) as i32 - 40),
            };
            put_f32(bytes, p, new);
            format!("scale {old:e} -> {new:e}")
        }
        Kind::ZeroPoint => {
            let old = i64::from_le_bytes(bytes[p..p + 8].try_into().unwrap());
            let new = match rng.below(10) {
                0 => old + 1,
                1 => old - 1,
                2 => -128,
                3 => 127,
                4 => -129,
                5 => 128,
                6 => 255,
                7 => i64::from(i32::MIN),
                8 => i64::MIN,
                _ => rng.below(512) as i64 - 256,
            };
            put_i64(bytes, p, new);
            format!("zero point {old} -> {new}")
        }
        Kind::OptionByte | Kind::TensorType => {
            let old = bytes[p];
            let new = match rng.below(4) {
                0 => old.wrapping_add(1),
                1 => old.wrapping_sub(1),
                2 => rng.pick(&[0, 1, 2, 3, 4, 5, 6, 9, 17, 255]),
                _ => rng.next_u64() as u8,
            };
            bytes[p] = new;
            format!("{:?} {old} -> {new}", site.kind)
        }
        Kind::OpTensor | Kind::SubgraphTensor | Kind::SignatureTensor | Kind::TensorBuffer => {
            let old = old_i32();
            let new = match rng.below(5) {
                0 => rng.below(tensors) as i32,
                1 => old + 1,
                2 => old - 1,
                3 => -1,
                _ => near_int(rng, old),
            };
            put_i32(bytes, p, new);
            format!("{:?} {old} -> {new}", site.kind)
        }
        _ => {
            let old = old_i32();
            let new = near_int(rng, old);
            put_i32(bytes, p, new);
            format!("{:?} {old} -> {new}", site.kind)
        }
    }
}

/// The model files the mutation cases start from, by short name: `a0` (official),
/// `cattle7` (fine-tuned), `a0s`, `a1s`, `a2s` (synthetic); anything else is a path.
pub fn model_file(name: &str) -> std::path::PathBuf {
    let d = crate::models_dir();
    match name {
        "a0" => d.join("movinet_a0_stream_int8.tflite"),
        "cattle7" => d.join("custom/cattle7_a0_stream_int8.tflite"),
        "a0s" => d.join("synthetic/movinet_a0_stream_int8_synthetic.tflite"),
        "a1s" => d.join("synthetic/movinet_a1_stream_int8_synthetic.tflite"),
        "a2s" => d.join("synthetic/movinet_a2_stream_int8_synthetic.tflite"),
        other => std::path::PathBuf::from(other),
    }
}

/// Mutation case `seed`: model number `seed % models.len()`, with one to three of its values
/// changed (a kind of value first, uniformly, then a site of that kind). Returns the model's
/// name, the mutant bytes and a description of each change (`@position: what`).
///
/// With `weights`, the changes are bytes of the int8 weights instead (constant tensors of
/// more than 64 values), which no verifier can judge.
pub fn fuzz_case(models: &[String], seed: u64, weights: bool) -> (String, Vec<u8>, Vec<String>) {
    let name = models[(seed % models.len() as u64) as usize].clone();
    let path = model_file(&name);
    let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rng = Rng::new(seed);
    let n = [1, 1, 1, 2, 3][rng.below(5)];
    let mut changes = Vec::new();
    if weights {
        let f = Tflite::new(&bytes);
        let tensors = f.tensors();
        let weights: Vec<std::ops::Range<usize>> = (0..tensors.len())
            .filter(|&t| f.field(tensors[t], 1).map_or(0, |p| bytes[p]) == 9)
            .filter_map(|t| {
                let words = f.data_words(t);
                (words.len() > 16).then(|| words[0]..words[words.len() - 1] + 4)
            })
            .collect();
        for _ in 0..n {
            let w = weights[rng.below(weights.len())].clone();
            let p = w.start + rng.below(w.len());
            let (old, new) = (bytes[p], rng.next_u64() as u8);
            bytes[p] = new;
            changes.push(format!("@{p}: weight byte {old} -> {new}"));
        }
        return (name, bytes, changes);
    }
    let all = sites(&bytes);
    let tensors = Tflite::new(&bytes).tensors().len();
    let mut by_kind: std::collections::BTreeMap<Kind, Vec<Site>> = Default::default();
    for s in all {
        by_kind.entry(s.kind).or_default().push(s);
    }
    let kinds: Vec<Kind> = by_kind.keys().copied().collect();
    for _ in 0..n {
        let kind = rng.pick(&kinds);
        let site = rng.pick(&by_kind[&kind]);
        let what = mutate(&mut bytes, site, &mut rng, tensors);
        changes.push(format!("@{}: {what}", site.pos));
    }
    (name, bytes, changes)
}
