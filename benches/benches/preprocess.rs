//! The fused preprocessing pass (colour conversion, crop, bilinear resize, /255) from camera
//! frames of common sizes into the model input, on one core.
//!
//! `cargo bench -p movinet-benches --bench preprocess`
//!
//! Cells: {640x480, 1280x720, 1920x1080} x {NV21, RGBA8888} x {172x172 (A0/A1), 224x224 (A2)},
//! centre-square crop, no rotation, plus NV21 rotated 90 degrees and mirrored (the usual
//! portrait front camera on Android) at 1280x720 into 172x172.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use movinet::{Crop, Frame, Preprocessor, Rotation};

/// Camera-like content: smooth gradients with some texture (content does not change the cost,
/// every output pixel reads the same number of samples).
fn plane(w: usize, h: usize, seed: u32) -> Vec<u8> {
    (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as u32, (i / w) as u32);
            (x / 3 + y / 2 + ((x * 7 + y * 13 + seed) % 17)) as u8
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("preprocess");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    for (w, h) in [(640, 480), (1280, 720), (1920, 1080)] {
        let y = plane(w, h, 0);
        let vu = plane(w, h / 2, 1);
        let rgba = plane(w * 4, h, 2);
        for out in [172, 224] {
            let mut pre = Preprocessor::new(out, out, Crop::CenterSquare).unwrap();
            let mut buf = vec![0.0f32; out * out * 3];
            let nv21 = Frame::nv21(&y, w, &vu, w, w, h).unwrap();
            group.bench_function(BenchmarkId::new(format!("nv21_{w}x{h}"), out), |b| {
                b.iter(|| pre.run(black_box(&nv21), black_box(&mut buf)).unwrap())
            });
            let rgba_frame = Frame::rgba8888(&rgba, w, h, w * 4).unwrap();
            group.bench_function(BenchmarkId::new(format!("rgba_{w}x{h}"), out), |b| {
                b.iter(|| {
                    pre.run(black_box(&rgba_frame), black_box(&mut buf))
                        .unwrap()
                })
            });
        }
    }
    let (w, h) = (1280, 720);
    let (y, vu) = (plane(w, h, 0), plane(w, h / 2, 1));
    let frame = Frame::nv21(&y, w, &vu, w, w, h)
        .unwrap()
        .with_rotation(Rotation::Deg90)
        .with_mirror(true);
    let mut pre = Preprocessor::new(172, 172, Crop::CenterSquare).unwrap();
    let mut buf = vec![0.0f32; 172 * 172 * 3];
    group.bench_function(BenchmarkId::new("nv21_1280x720_rot90_mirror", 172), |b| {
        b.iter(|| pre.run(black_box(&frame), black_box(&mut buf)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
