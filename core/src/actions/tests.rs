//! The action set without a model: storage, names, the file format and its hostile
//! variants, the head's scores. (With the real model, recorded from frames and through a
//! classifier: `tests/tests/actions.rs`, `tests/tests/action_files.rs`.)

use sha2::{Digest, Sha256};

use super::*;

/// xorshift64 from a fixed seed.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

const WIDTH: usize = 24;
const CLASSES: usize = 10;
const SHA: [u8; 32] = [7; 32];

fn empty() -> ActionSet {
    ActionSet {
        model_sha256: SHA,
        width: WIDTH,
        classes: CLASSES,
        actions: Vec::new(),
        head: head::Head::default(),
    }
}

/// Outputs near a pattern of its own for each `class` (plus a little noise): an embedding
/// that is high on a few channels, and logits that favour one class.
fn outputs(class: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut r = rng(seed);
    let mut noise = move || (r() % 1000) as f32 / 1000.0;
    let embedding = (0..WIDTH)
        .map(|i| {
            if i % 4 == class % 4 {
                3.0 + noise()
            } else {
                noise() * 0.5
            }
        })
        .collect();
    let logits = (0..CLASSES)
        .map(|i| {
            if i == class {
                6.0 + noise()
            } else {
                noise() - 2.0
            }
        })
        .collect();
    (embedding, logits)
}

fn example(class: usize, seed: u64) -> ActionExample {
    let (e, l) = outputs(class, seed);
    let live: Vec<_> = (0..6).map(|k| outputs(class, seed * 100 + k)).collect();
    ActionExample::from_outputs(&e, &l, &live).unwrap()
}

fn set_of(classes: &[(&str, usize)]) -> ActionSet {
    let mut set = empty();
    for (k, &(name, class)) in classes.iter().enumerate() {
        for j in 0..3 {
            set.add(name, example(class, (k * 10 + j) as u64 + 1))
                .unwrap();
        }
    }
    set
}

fn kind_of(r: Result<ActionSet>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(Error::InvalidActionSet(m)) => format!("invalid: {m}"),
        Err(Error::ActionSetModelMismatch { .. }) => "mismatch".into(),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

fn read(bytes: &[u8]) -> Result<ActionSet> {
    empty().read(bytes)
}

/// `body` with its digest appended, as a writer would seal it.
fn seal(mut body: Vec<u8>) -> Vec<u8> {
    let d = Sha256::digest(&body);
    body.extend_from_slice(&d);
    body
}

fn body(bytes: &[u8]) -> Vec<u8> {
    bytes[..bytes.len() - 32].to_vec()
}

#[test]
fn values_are_stored_at_eight_bits_within_half_a_step() {
    let values: Vec<f32> = (0..100).map(|i| (i as f32 * 0.37).sin() * 4.0).collect();
    let p = Part::quantize(&values, "x").unwrap();
    for (a, b) in values.iter().zip(p.values()) {
        assert!((a - b).abs() <= p.step / 2.0 + 1e-6, "{a} {b}");
    }
    // A constant vector is exact.
    assert_eq!(Part::quantize(&[2.5; 4], "x").unwrap().values(), [2.5; 4]);
    for bad in [f32::NAN, f32::INFINITY, 1e7, -1e30] {
        assert!(matches!(
            Part::quantize(&[0.0, bad], "x"),
            Err(Error::InvalidActionSet(_))
        ));
    }
    for (min, step) in [
        (f32::NAN, 0.1),
        (0.0, f32::INFINITY),
        (0.0, -1.0),
        (1e9, 0.1),
        (0.0, 1e9),
    ] {
        assert!(
            Part::stored(min, step, vec![0; 3], "x").is_err(),
            "{min} {step}"
        );
    }
}

#[test]
fn names_are_checked() {
    for good in ["squat", "jumping jack", "Übung 3", "a"] {
        check_name(good).unwrap();
    }
    let long = "x".repeat(MAX_NAME_BYTES + 1);
    for bad in [
        "",
        " ",
        "squat ",
        " squat",
        "a\nb",
        "tab\there",
        "\u{7}",
        long.as_str(),
    ] {
        assert!(
            matches!(check_name(bad), Err(Error::InvalidActionSet(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn adding_and_removing_actions_refits_the_head() {
    let mut set = set_of(&[("squat", 0), ("curl", 1)]);
    assert_eq!(set.names(), ["squat", "curl"]);
    assert_eq!(
        (
            set.examples("squat"),
            set.examples("curl"),
            set.examples("x")
        ),
        (3, 3, 0)
    );
    assert_eq!(set.thresholds().len(), 2);
    assert!(set.remove("squat"));
    assert!(!set.remove("squat"));
    assert_eq!(set.names(), ["curl"]);
    assert_eq!(set.thresholds().len(), 1);
    // Another model's sizes, a bad name, too many examples or actions.
    let (e, l) = (vec![1.0; WIDTH + 1], vec![0.0; CLASSES]);
    let other = ActionExample::from_outputs(&e, &l, &[]).unwrap();
    assert!(matches!(
        set.add("curl", other),
        Err(Error::InvalidActionSet(_))
    ));
    assert!(set.add("", example(0, 5)).is_err());
    while set.examples("curl") < MAX_EXAMPLES {
        set.add("curl", example(1, 9)).unwrap();
    }
    assert!(set.add("curl", example(1, 9)).is_err());
    let mut set = empty();
    for k in 0..MAX_ACTIONS {
        set.add(&format!("a{k}"), example(k, 3)).unwrap();
    }
    assert!(set.add("one more", example(0, 3)).is_err());
}

#[test]
fn a_frame_of_an_action_scores_it_and_a_frame_of_none_scores_nothing() {
    let set = set_of(&[("zero", 0), ("one", 1), ("two", 2)]);
    for class in 0..3 {
        let (e, l) = outputs(class, 999 + class as u64);
        let s = set.scores(&e, &l);
        assert_eq!(s.len(), 3);
        let top = (0..3).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
        assert_eq!(top, class, "{s:?}");
        assert!(s[class] > 0.8, "{s:?}");
        assert!(s.iter().sum::<f32>() <= 1.0 + 1e-5);
    }
    // Outputs of a class nobody enrolled: every score low (below the event threshold).
    let (e, l) = outputs(7, 4242);
    let s = set.scores(&e, &l);
    assert!(s.iter().all(|&x| x < 0.2), "{s:?}");
    // Wrong sizes give zeros, not a panic.
    assert_eq!(set.scores(&[1.0], &[1.0]), [0.0; 3]);
}

#[test]
fn a_saved_set_reads_back_the_same() {
    let set = set_of(&[("squat", 0), ("curl", 1)]);
    let bytes = set.to_bytes().unwrap();
    assert_eq!(read(&bytes).unwrap(), set);
    // An empty set is not saved.
    assert!(matches!(
        empty().to_bytes(),
        Err(Error::InvalidActionSet(_))
    ));
}

#[test]
fn hostile_files_are_typed_errors() {
    let bytes = set_of(&[("squat", 0), ("curl", 1)]).to_bytes().unwrap();
    // Truncated anywhere; damaged anywhere.
    for n in (0..bytes.len())
        .step_by(97)
        .chain([1, 8, 11, 12, 60, bytes.len() - 1])
    {
        assert!(
            kind_of(read(&bytes[..n])).starts_with("invalid"),
            "cut at {n}"
        );
    }
    for at in (0..bytes.len()).step_by(89) {
        let mut b = bytes.clone();
        b[at] ^= 0x40;
        assert_ne!(kind_of(read(&b)), "ok", "flip at {at}");
    }
    let expect = |b: Vec<u8>, want: &str| {
        let got = kind_of(read(&b));
        assert!(got.contains(want), "{got} (wanted {want})");
    };
    // Not ours; another version (newer and older), sealed properly.
    expect(b"PK\x03\x04 a zip file".to_vec(), "not an action-set file");
    let mut b = body(&bytes);
    b[8..12].copy_from_slice(&2u32.to_le_bytes());
    expect(
        seal(b),
        "version 2; this SDK reads version 1 (made by a newer SDK)",
    );
    let mut b = body(&bytes);
    b[8..12].copy_from_slice(&0u32.to_le_bytes());
    expect(seal(b), "an older SDK");
    // Another model, other sizes.
    let mut b = body(&bytes);
    b[12] ^= 1;
    assert_eq!(kind_of(read(&seal(b))), "mismatch");
    let mut b = body(&bytes);
    b[44..48].copy_from_slice(&((WIDTH + 1) as u32).to_le_bytes());
    expect(seal(b), "embedding values");
    // Zero actions, too many, a huge count of examples (no allocation follows it).
    let count_at = 8 + 4 + 32 + 4 + 4;
    let mut b = body(&bytes);
    b[count_at..count_at + 4].copy_from_slice(&0u32.to_le_bytes());
    expect(seal(b), "0 actions");
    let mut b = body(&bytes);
    b[count_at..count_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    expect(seal(b), "actions; an action set has 1 to");
    let name_len = u32::from_le_bytes(bytes[count_at + 4..count_at + 8].try_into().unwrap());
    let examples_at = count_at + 8 + name_len as usize;
    let mut b = body(&bytes);
    b[examples_at..examples_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    expect(seal(b), "examples of an action");
    let live_at = examples_at + 4;
    let mut b = body(&bytes);
    b[live_at..live_at + 4].copy_from_slice(&(MAX_LIVE as u32 + 1).to_le_bytes());
    expect(seal(b), "live embeddings");
    // NaN and huge values where the vectors begin.
    let vector_at = live_at + 4;
    for bad in [f32::NAN, f32::INFINITY, 1e30] {
        let mut b = body(&bytes);
        b[vector_at..vector_at + 4].copy_from_slice(&bad.to_le_bytes());
        expect(seal(b), "out of range");
        let mut b = body(&bytes);
        b[vector_at + 4..vector_at + 8].copy_from_slice(&bad.to_le_bytes());
        expect(seal(b), "out of range");
    }
    // A duplicate name: the second action renamed to the first.
    let mut set = set_of(&[("aaaa", 0), ("bbbb", 1)]);
    let b = set.to_bytes().unwrap();
    let mut b = body(&b);
    let second = b
        .windows(4)
        .rposition(|w| w == b"bbbb")
        .expect("the second name");
    b[second..second + 4].copy_from_slice(b"aaaa");
    expect(seal(b), "the action `aaaa` is named twice");
    // An empty, a non-UTF-8 and a control-character name.
    set.remove("bbbb");
    let b = set.to_bytes().unwrap();
    let at = b.windows(4).position(|w| w == b"aaaa").unwrap();
    let mut c = body(&b);
    c[at..at + 4].copy_from_slice(&[0xff, 0xfe, b'a', b'a']);
    expect(seal(c), "is not UTF-8");
    let mut c = body(&b);
    c[at..at + 4].copy_from_slice(b"a\na\n");
    expect(seal(c), "control character");
    let mut c = body(&b);
    c[at - 4..at].copy_from_slice(&0u32.to_le_bytes());
    expect(seal(c), "bytes in a name");
    // Bytes after the last action.
    let mut c = body(&b);
    c.extend_from_slice(&[0; 5]);
    expect(seal(c), "5 bytes follow the last action");
}

#[test]
fn random_changes_to_a_sealed_file_never_panic() {
    let bytes = set_of(&[("squat", 0), ("curl", 1), ("jump", 2)])
        .to_bytes()
        .unwrap();
    let body = body(&bytes);
    let mut r = rng(17);
    for _ in 0..3000 {
        let mut b = body.clone();
        for _ in 0..1 + r() % 4 {
            let at = (r() as usize) % b.len();
            match r() % 3 {
                0 => b[at] = r() as u8,
                1 => b.truncate(at.max(1)),
                _ => b.insert(at, r() as u8),
            }
        }
        // Sealed, so that the reader goes past the digest to the contents.
        let _ = kind_of(read(&seal(b)));
    }
}
