//! Custom actions from a few clips: the measurements behind the action-set head.
//!
//! `cargo run --release -p movinet-tests --example fewshot [-- --splits 50 --cache FILE]`
//!
//! Every clip of `../shared/fewshot` (33 clips, five gym moves) and of `../shared/clips` (12
//! clips of other actions: the negatives) is decoded once and streamed at 5 fps through A0
//! with the SDK's embedding exposed: the embedding over the whole clip (horizon `all`, at its
//! last frame) and after every frame with the live 2 s horizon.
//!
//! * The few-shot table: for 1, 2, 3 and 5 clips per class, `--splits` random splits (fixed
//!   seed, default 200); each split enrolls that many clips of each class and tests on the
//!   clips left out (a class with no clip left out is enrolled but not tested). Top-1 over
//!   the five classes, per head and feature: whole clips (the test clip's outputs at its end)
//!   and live frames (every frame from 2 s into the test clip, live horizon). The shipped head
//!   runs through the SDK's own `ActionSet`; the others are written here. Logistic regression
//!   is slow: `--logistic` adds it (on 20 splits).
//! * The rejection curve: the shipped head with 1, 3 and 5 clips per class and its rule's one
//!   knob (`REJECT_FRACTION`) swept; for each value the share of left-out clips of the
//!   enrolled classes that give an event of their class and no other (kept) and the share of
//!   the 12 other clips that give no event at all (rejected), through the SDK's
//!   `EventDetector` with its default options, and the same per live frame.
//!
//! `--cache FILE` keeps the embeddings in FILE (outside the repository: they are made from
//! the few-shot clips, which must not be committed) so that a second run skips the decoding.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use movinet_tests::fewshot::{clip_embeddings, fewshot_classes, fewshot_clips, ClipEmbeddings};
use movinet_tests::{a0, clip_list, clip_path, Xorshift};

/// A clip's class (`None` for the negatives) and embeddings, unit length.
struct Sample {
    name: String,
    class: Option<usize>,
    emb: ClipEmbeddings,
}

fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn mean(vs: &[&[f32]]) -> Vec<f32> {
    let mut m = vec![0.0f32; vs[0].len()];
    for v in vs {
        for (a, b) in m.iter_mut().zip(v.iter()) {
            *a += b;
        }
    }
    normalize(&mut m);
    m
}

fn write_cache(path: &Path, samples: &[Sample]) {
    let mut out = Vec::new();
    let put = |out: &mut Vec<u8>, v: &[f32]| {
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
        v.iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
    };
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    for s in samples {
        out.extend_from_slice(&(s.name.len() as u32).to_le_bytes());
        out.extend_from_slice(s.name.as_bytes());
        out.extend_from_slice(&s.class.map_or(u32::MAX, |c| c as u32).to_le_bytes());
        put(&mut out, &s.emb.clip);
        put(&mut out, &s.emb.logits);
        out.extend_from_slice(&(s.emb.live.len() as u32).to_le_bytes());
        for ((t, v), l) in s.emb.live.iter().zip(&s.emb.live_logits) {
            out.extend_from_slice(&t.to_le_bytes());
            put(&mut out, v);
            put(&mut out, l);
        }
    }
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(&out))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn read_cache(path: &Path) -> Option<Vec<Sample>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .read_to_end(&mut bytes)
        .ok()?;
    let mut at = 0usize;
    let mut take = |n: usize| {
        let s = &bytes[at..at + n];
        at += n;
        s.to_vec()
    };
    let u32_ = |b: Vec<u8>| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let n = u32_(take(4));
    let mut samples = Vec::new();
    for _ in 0..n {
        let len = u32_(take(4)) as usize;
        let name = String::from_utf8(take(len)).ok()?;
        let class = match u32_(take(4)) {
            u32::MAX => None,
            c => Some(c as usize),
        };
        let vector = |take: &mut dyn FnMut(usize) -> Vec<u8>| {
            let len = u32_(take(4)) as usize;
            take(4 * len)
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect::<Vec<f32>>()
        };
        let clip = vector(&mut take);
        let logits = vector(&mut take);
        let frames = u32_(take(4));
        let mut live = Vec::new();
        let mut live_logits = Vec::new();
        for _ in 0..frames {
            let b = take(8);
            let t = f64::from_le_bytes(b.try_into().ok()?);
            live.push((t, vector(&mut take)));
            live_logits.push(vector(&mut take));
        }
        samples.push(Sample {
            name,
            class,
            emb: ClipEmbeddings {
                clip,
                live,
                logits,
                live_logits,
            },
        });
    }
    Some(samples)
}

fn samples(cache: Option<&Path>) -> (Vec<String>, Vec<Sample>) {
    let clips = fewshot_clips();
    let classes = fewshot_classes(&clips);
    if let Some(s) = cache.and_then(read_cache) {
        eprintln!("embeddings from {}", cache.unwrap().display());
        return (classes, s);
    }
    let model = a0();
    let mut out = Vec::new();
    let negatives: Vec<(String, PathBuf)> = clip_list()
        .into_iter()
        .map(|(file, _)| (file.clone(), clip_path(&file)))
        .collect();
    let positives = clips.iter().map(|c| (c.name(), c.path.clone()));
    for (name, path) in positives.chain(negatives) {
        let class = clips
            .iter()
            .find(|c| c.path == path)
            .map(|c| classes.iter().position(|k| *k == c.class).unwrap());
        let t = std::time::Instant::now();
        let emb = clip_embeddings(&model, &path);
        eprintln!(
            "{name}: {} frames in {:.1} s",
            emb.live.len(),
            t.elapsed().as_secs_f64()
        );
        out.push(Sample { name, class, emb });
    }
    for s in &mut out {
        normalize(&mut s.emb.clip);
        s.emb.live.iter_mut().for_each(|(_, v)| normalize(v));
    }
    if let Some(path) = cache {
        write_cache(path, &out);
    }
    (classes, out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let splits: usize = arg("--splits").map_or(200, |s| s.parse().expect("--splits N"));
    let cache = arg("--cache").map(PathBuf::from);
    let logistic = args.iter().any(|a| a == "--logistic");
    let (classes, samples) = samples(cache.as_deref());
    let positives: Vec<&Sample> = samples.iter().filter(|s| s.class.is_some()).collect();
    let negatives: Vec<&Sample> = samples.iter().filter(|s| s.class.is_none()).collect();
    let per_class = by_class(&classes, &positives);
    println!(
        "{} clips of {} classes ({}), {} other clips; {splits} splits",
        positives.len(),
        classes.len(),
        per_class
            .iter()
            .zip(&classes)
            .map(|(c, k)| format!("{k} {}", c.len()))
            .collect::<Vec<_>>()
            .join(", "),
        negatives.len()
    );
    let model = a0();
    let data = Data {
        model: &model,
        positives: &positives,
        per_class: &per_class,
    };
    if args.iter().any(|a| a == "--pairwise") {
        pairwise(&data);
        return;
    }
    if args.iter().any(|a| a == "--concatenations") {
        concatenations(&data, &fewshot_clips(), &positives);
        return;
    }
    println!("\nTop-1, whole clips / live frames from 2 s, by clips enrolled per class:");
    println!(
        "{:<34} {:>13} {:>13} {:>13} {:>13}",
        "head", "1", "2", "3", "5"
    );
    let mut rows: Vec<(Head, Feature, usize)> = Vec::new();
    for f in [Feature::Embedding, Feature::SqrtProbs, Feature::Mix] {
        rows.push((Head::Ncm, f, splits));
        rows.push((Head::NcmLive, f, splits));
        rows.push((Head::Nn1, f, splits));
        if logistic {
            rows.push((Head::Logistic, f, splits.min(20)));
        }
    }
    rows.push((Head::Shipped, Feature::Mix, splits));
    for (head, f, s) in rows {
        let cells: Vec<String> = [1usize, 2, 3, 5]
            .iter()
            .map(|&n| {
                let (c, l) = accuracy(&data, head, f, n, s);
                format!("{c:.3} / {l:.3}")
            })
            .collect();
        println!(
            "{:<34} {}",
            format!(
                "{} ({}){}",
                head.name(),
                f.name(),
                if s != splits {
                    format!(", {s} splits")
                } else {
                    String::new()
                }
            ),
            cells
                .iter()
                .map(|c| format!("{c:>13}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    if args.iter().any(|a| a == "--pairwise") {
        pairwise(&data);
        return;
    }
    if args.iter().any(|a| a == "--rejection") {
        for n in [3usize, 1, 2, 5] {
            rejection(&data, &negatives, n, splits.min(50));
        }
        return;
    }
    for n in [3usize, 1, 5] {
        rejection(&data, &negatives, n, splits.min(50));
    }
}

/// Indices of the positives per class.
fn by_class(classes: &[String], positives: &[&Sample]) -> Vec<Vec<usize>> {
    (0..classes.len())
        .map(|c| {
            (0..positives.len())
                .filter(|&i| positives[i].class == Some(c))
                .collect()
        })
        .collect()
}

/// A random split: `n` enrolled clips per class (all of a class that has no more).
fn split(rng: &mut Xorshift, per_class: &[Vec<usize>], n: usize) -> Vec<Vec<usize>> {
    per_class
        .iter()
        .map(|idx| {
            let mut v = idx.clone();
            for i in (1..v.len()).rev() {
                let j = (rng.next().unwrap() % (i as u64 + 1)) as usize;
                v.swap(i, j);
            }
            v.truncate(n.min(v.len()));
            v
        })
        .collect()
}

struct Data<'a> {
    model: &'a movinet::Model,
    positives: &'a [&'a Sample],
    per_class: &'a [Vec<usize>],
}

/// What a clip or frame is described by.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Feature {
    /// The 2048-wide embedding, unit length.
    Embedding,
    /// The square roots of the model's 600 class probabilities (unit length already): cosine
    /// is their Bhattacharyya coefficient.
    SqrtProbs,
    /// Both side by side, each weighted by sqrt(1/2): the shipped feature.
    Mix,
}

impl Feature {
    fn name(self) -> &'static str {
        match self {
            Self::Embedding => "embedding",
            Self::SqrtProbs => "sqrt probabilities",
            Self::Mix => "both",
        }
    }
}

fn describe(f: Feature, embedding: &[f32], logits: &[f32]) -> Vec<f32> {
    let sqrt_probs = || {
        let mut p = vec![0.0; logits.len()];
        movinet::postprocess::softmax(logits, &mut p);
        p.iter().map(|p| p.sqrt()).collect::<Vec<f32>>()
    };
    let mut v: Vec<f32> = match f {
        Feature::Embedding => embedding.to_vec(),
        Feature::SqrtProbs => sqrt_probs(),
        Feature::Mix => {
            let mut e = embedding.to_vec();
            normalize(&mut e);
            let w = 0.5f32.sqrt();
            e.iter()
                .map(|x| w * x)
                .chain(sqrt_probs().iter().map(|p| w * p))
                .collect()
        }
    };
    normalize(&mut v);
    v
}

fn clip_feature(f: Feature, s: &Sample) -> Vec<f32> {
    describe(f, &s.emb.clip, &s.emb.logits)
}

/// A sample's live frames from `from` seconds on: (time, embedding, logits).
fn live(s: &Sample, from: f64) -> impl Iterator<Item = (f64, &[f32], &[f32])> {
    s.emb
        .live
        .iter()
        .zip(&s.emb.live_logits)
        .filter(move |((t, _), _)| *t >= from)
        .map(|((t, e), l)| (*t, &e[..], &l[..]))
}

fn live_features(f: Feature, s: &Sample, from: f64) -> Vec<Vec<f32>> {
    live(s, from).map(|(_, e, l)| describe(f, e, l)).collect()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Head {
    /// Nearest class mean of the enrolled clips.
    Ncm,
    /// Nearest class mean of the enrolled clips and the means of their live frames.
    NcmLive,
    /// Nearest enrolled clip.
    Nn1,
    /// Logistic regression (softmax, L2) on the enrolled clips and every third live frame.
    Logistic,
    /// The SDK's `ActionSet`: nearest class mean on both, with its rule.
    Shipped,
}

impl Head {
    fn name(self) -> &'static str {
        match self {
            Self::Ncm => "class mean",
            Self::NcmLive => "class mean, with live frames",
            Self::Nn1 => "nearest clip",
            Self::Logistic => "logistic regression",
            Self::Shipped => "shipped: ActionSet",
        }
    }
}

/// Softmax regression: weights [classes][width + 1], trained by gradient descent.
fn logistic(xs: &[Vec<f32>], ys: &[usize], classes: usize, l2: f32) -> Vec<Vec<f32>> {
    let d = xs[0].len();
    let mut w = vec![vec![0.0f32; d + 1]; classes];
    let lr = 2.0f32;
    for _ in 0..150 {
        let mut g = vec![vec![0.0f32; d + 1]; classes];
        for (x, &y) in xs.iter().zip(ys) {
            let z: Vec<f32> = w.iter().map(|wc| dot(&wc[..d], x) + wc[d]).collect();
            let m = z.iter().copied().fold(f32::MIN, f32::max);
            let e: Vec<f32> = z.iter().map(|v| (v - m).exp()).collect();
            let s: f32 = e.iter().sum();
            for c in 0..classes {
                let p = e[c] / s - if c == y { 1.0 } else { 0.0 };
                for k in 0..d {
                    g[c][k] += p * x[k];
                }
                g[c][d] += p;
            }
        }
        let n = xs.len() as f32;
        for c in 0..classes {
            for k in 0..=d {
                let reg = if k < d { l2 * w[c][k] } else { 0.0 };
                w[c][k] -= lr * (g[c][k] / n + reg);
            }
        }
    }
    w
}

fn argmax_by(n: usize, f: impl Fn(usize) -> f32) -> usize {
    (0..n).max_by(|&a, &b| f(a).total_cmp(&f(b))).unwrap_or(0)
}

/// The SDK's action set enrolled from these clips (their outputs at the end with the horizon
/// `all`, and their live frames from 1 s, as `ActionRecorder` keeps them).
fn action_set(data: &Data, enrolled: &[Vec<usize>]) -> movinet::ActionSet {
    let mut set = movinet::ActionSet::new(data.model).expect("A0 exposes its embedding");
    for (c, e) in enrolled.iter().enumerate() {
        for &i in e {
            let s = data.positives[i];
            let frames: Vec<(Vec<f32>, Vec<f32>)> = live(s, 1.0)
                .map(|(_, e, l)| (e.to_vec(), l.to_vec()))
                .collect();
            // At most MAX_LIVE, evenly spread over the clip, as the recorder keeps them.
            let (have, n) = (frames.len(), frames.len().min(movinet::actions::MAX_LIVE));
            let kept: Vec<_> = (0..n).map(|i| frames[i * have / n].clone()).collect();
            let example = movinet::ActionExample::from_outputs(&s.emb.clip, &s.emb.logits, &kept)
                .expect("example");
            set.add(&format!("class {c}"), example).expect("add");
        }
    }
    set
}

type Classify = Box<dyn Fn(&[f32], &[f32]) -> usize>;

/// A classifier of (embedding, logits) fitted to the enrolled clips.
fn fit(data: &Data, head: Head, f: Feature, enrolled: &[Vec<usize>]) -> Classify {
    let positives = data.positives;
    let classes = enrolled.len();
    let d = move |e: &[f32], l: &[f32]| describe(f, e, l);
    match head {
        Head::Shipped => {
            let set = action_set(data, enrolled);
            Box::new(move |e, l| {
                let s = set.scores(e, l);
                argmax_by(s.len(), |k| s[k])
            })
        }
        Head::Ncm | Head::NcmLive => {
            let protos: Vec<Vec<f32>> = enrolled
                .iter()
                .map(|e| {
                    let mut vs: Vec<Vec<f32>> = Vec::new();
                    for &i in e {
                        vs.push(clip_feature(f, positives[i]));
                        if head == Head::NcmLive {
                            let l = live_features(f, positives[i], 0.0);
                            vs.push(mean(&l.iter().map(|v| &v[..]).collect::<Vec<_>>()));
                        }
                    }
                    mean(&vs.iter().map(|v| &v[..]).collect::<Vec<_>>())
                })
                .collect();
            Box::new(move |e, l| {
                let v = d(e, l);
                argmax_by(protos.len(), |c| dot(&protos[c], &v))
            })
        }
        Head::Nn1 => {
            let refs: Vec<(usize, Vec<f32>)> = enrolled
                .iter()
                .enumerate()
                .flat_map(|(c, e)| e.iter().map(move |&i| (c, i)))
                .map(|(c, i)| (c, clip_feature(f, positives[i])))
                .collect();
            Box::new(move |e, l| {
                let v = d(e, l);
                refs[argmax_by(refs.len(), |k| dot(&refs[k].1, &v))].0
            })
        }
        Head::Logistic => {
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for (c, e) in enrolled.iter().enumerate() {
                for &i in e {
                    xs.push(clip_feature(f, positives[i]));
                    ys.push(c);
                    for v in live_features(f, positives[i], 0.0).into_iter().step_by(3) {
                        xs.push(v);
                        ys.push(c);
                    }
                }
            }
            let w = logistic(&xs, &ys, classes, 1e-3);
            let width = xs[0].len();
            Box::new(move |e, l| {
                let v = d(e, l);
                argmax_by(classes, |c| dot(&w[c][..width], &v) + w[c][width])
            })
        }
    }
}

/// Top-1 of the few-shot protocol: (whole clips, live frames from 2 s).
fn accuracy(data: &Data, head: Head, f: Feature, n: usize, splits: usize) -> (f64, f64) {
    let mut rng = Xorshift::new(n as u64);
    let (mut clip_right, mut clip_total) = (0usize, 0usize);
    let (mut live_right, mut live_total) = (0f64, 0usize);
    for _ in 0..splits {
        let enrolled = split(&mut rng, data.per_class, n);
        let classify = fit(data, head, f, &enrolled);
        for (c, e) in enrolled.iter().enumerate() {
            for &i in data.per_class[c].iter().filter(|i| !e.contains(i)) {
                let s = data.positives[i];
                clip_total += 1;
                clip_right += usize::from(classify(&s.emb.clip, &s.emb.logits) == c);
                let frames: Vec<usize> = live(s, 2.0).map(|(_, e, l)| classify(e, l)).collect();
                let r = frames.iter().filter(|&&k| k == c).count();
                live_right += r as f64 / frames.len().max(1) as f64;
                live_total += 1;
            }
        }
    }
    (
        clip_right as f64 / clip_total as f64,
        live_right / live_total.max(1) as f64,
    )
}

/// The classes of the events the SDK's detector (default options) starts over a clip's live
/// frames scored by `set`.
fn events(
    set: &movinet::ActionSet,
    s: &Sample,
    frames_right: &mut (usize, usize),
    want: Option<usize>,
) -> Vec<usize> {
    use movinet::{EventChange, EventDetector, EventOptions};
    use std::time::Duration;
    let mut d = EventDetector::new(EventOptions::default()).expect("default options");
    let mut changes = Vec::new();
    for (t, e, l) in live(s, 0.0) {
        let scores = set.scores(e, l);
        d.update(Duration::from_secs_f64(t), &scores, None, &mut changes);
        let top = argmax_by(scores.len(), |k| scores[k]);
        let confident = scores[top] >= EventOptions::default().min_score;
        match want {
            Some(c) if t >= 2.0 => {
                frames_right.1 += 1;
                frames_right.0 += usize::from(top == c && confident);
            }
            None => {
                frames_right.1 += 1;
                frames_right.0 += usize::from(!confident);
            }
            _ => {}
        }
    }
    let mut out: Vec<usize> = changes
        .iter()
        .filter_map(|c| match c {
            EventChange::Started(e) => Some(e.index),
            EventChange::Ended(_) => None,
        })
        .collect();
    out.dedup();
    out
}

/// The rejection trade-off with `n` clips per class over the rule's fraction.
fn rejection(data: &Data, negatives: &[&Sample], n: usize, splits: usize) {
    println!(
        "\nRejection with {n} clip(s) per class, {splits} splits: fraction, left-out clips kept \
         (an event of their move, no other), other clips rejected (no event) | live frames: \
         left-out right and at the events' start score (from 2 s), others all under it"
    );
    for fraction in [0.6f32, 0.7, 0.75, 0.8, 0.825, 0.85, 0.875, 0.9, 0.95, 1.0] {
        let mut rng = Xorshift::new(n as u64);
        let (mut kept, mut kept_n, mut rejected, mut rejected_n) = (0usize, 0usize, 0usize, 0usize);
        let (mut in_frames, mut out_frames) = ((0usize, 0usize), (0usize, 0usize));
        for _ in 0..splits {
            let enrolled = split(&mut rng, data.per_class, n);
            let mut set = action_set(data, &enrolled);
            set.refit_with(fraction);
            for (c, e) in enrolled.iter().enumerate() {
                for &i in data.per_class[c].iter().filter(|i| !e.contains(i)) {
                    kept_n += 1;
                    kept += usize::from(
                        events(&set, data.positives[i], &mut in_frames, Some(c)) == [c],
                    );
                }
            }
            for s in negatives {
                rejected_n += 1;
                rejected += usize::from(events(&set, s, &mut out_frames, None).is_empty());
            }
        }
        let shipped = if fraction == movinet::actions::REJECT_FRACTION {
            "  <- default"
        } else {
            ""
        };
        println!(
            "  {fraction:.3}   kept {:.3}  rejected {:.3} | frames {:.3}  {:.3}{shipped}",
            kept as f64 / kept_n as f64,
            rejected as f64 / rejected_n as f64,
            in_frames.0 as f64 / in_frames.1 as f64,
            out_frames.0 as f64 / out_frames.1 as f64,
        );
    }
}

#[allow(dead_code)]
fn pairwise(data: &Data) {
    for f in [Feature::Mix, Feature::Embedding, Feature::SqrtProbs] {
        let mut all = Vec::new();
        for idx in data.per_class {
            let mut v = Vec::new();
            for (a, &i) in idx.iter().enumerate() {
                for &j in &idx[a + 1..] {
                    v.push(dot(
                        &clip_feature(f, data.positives[i]),
                        &clip_feature(f, data.positives[j]),
                    ));
                }
            }
            let m = v.iter().sum::<f32>() / v.len() as f32;
            all.push(format!("{m:.3}"));
        }
        println!("{f:?} mean pairwise cosine per class: {}", all.join(" "));
    }
}

/// Live, each few-shot clip after a clip of something else (carving ice), through a
/// `Classifier` with the action set of the first three other clips of each move: when its
/// move's event starts and is reported after the cut, and whether anything else starts.
fn concatenations(data: &Data, clips: &[movinet_tests::fewshot::FewshotClip], samples: &[&Sample]) {
    use movinet::{Classifier, EventChange, Frame, Horizon};
    use movinet_tests::fewshot::video_options;
    let other = movinet_tests::decode_rgb("tfexamples_android_carving_ice.mp4", None);
    let offset = movinet_tests::clip_duration("tfexamples_android_carving_ice.mp4");
    println!("\nLive after a cut from another action (3 clips enrolled per move): clip, start - cut, reported - cut, segment top-1 from 3 s, events");
    let (mut starts, mut reports, mut misses) = (Vec::new(), Vec::new(), 0usize);
    for (k, s) in samples.iter().enumerate() {
        let c = s.class.expect("a few-shot clip");
        let enrolled: Vec<Vec<usize>> = data
            .per_class
            .iter()
            .map(|idx| idx.iter().copied().filter(|&i| i != k).take(3).collect())
            .collect();
        let set = action_set(data, &enrolled);
        let mut clf = Classifier::new(data.model, None, video_options(Horizon::LIVE)).unwrap();
        clf.set_actions(Some(set)).unwrap();
        let mut log: Vec<(f64, usize)> = Vec::new();
        let mut started: Vec<(f64, f64, usize)> = Vec::new();
        let mut push = |clf: &mut Classifier, frame: &Frame<'_>| {
            if let Some(p) = clf.push(frame).unwrap() {
                let t = p.timestamp.unwrap().as_secs_f64();
                log.push((t, p.categories[0].index));
                for e in &p.events {
                    if let EventChange::Started(e) = e {
                        started.push((e.start.as_secs_f64(), t, e.index));
                    }
                }
            }
        };
        for (f, ts) in other.frames.iter().zip(&other.timestamps) {
            let frame = Frame::rgb888(f, other.width, other.height, other.width * 3)
                .unwrap()
                .with_timestamp(ts.unwrap());
            push(&mut clf, &frame);
        }
        let path = &clips.iter().find(|x| x.name() == s.name).unwrap().path;
        movinet_tests::stream_rgb_file(path, |rgb, w, h, ts| {
            let frame = Frame::rgb888(rgb, w, h, w * 3)
                .unwrap()
                .with_timestamp(offset + ts.unwrap());
            push(&mut clf, &frame);
        });
        let cut = offset.as_secs_f64();
        let seg: Vec<&(f64, usize)> = log.iter().filter(|(t, _)| *t >= cut + 3.0).collect();
        let top1 = seg.iter().filter(|(_, i)| *i == c).count() as f64 / seg.len().max(1) as f64;
        let own = started.iter().find(|(_, _, i)| *i == c);
        match own {
            Some(&(start, at, _)) => {
                starts.push(start - cut);
                reports.push(at - cut);
            }
            None => misses += 1,
        }
        println!(
            "  {:<60} {:>6} {:>6}  {top1:.2}  {:?}",
            s.name,
            own.map_or("-".into(), |o| format!("{:.1}", o.0 - cut)),
            own.map_or("-".into(), |o| format!("{:.1}", o.1 - cut)),
            started
                .iter()
                .map(|(st, _, i)| format!("{i}@{st:.1}"))
                .collect::<Vec<_>>()
        );
    }
    starts.sort_by(f64::total_cmp);
    reports.sort_by(f64::total_cmp);
    let q = |v: &[f64], p: f64| {
        v.get(((v.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "  {} clips: own event missed on {misses}; start - cut median {:.1} s (90 % {:.1}); reported - cut median {:.1} s (90 % {:.1})",
        samples.len(),
        q(&starts, 0.5),
        q(&starts, 0.9),
        q(&reports, 0.5),
        q(&reports, 0.9)
    );
}
