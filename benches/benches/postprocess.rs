//! Postprocessing on one core: softmax over the 600 Kinetics logits and top-k with labels,
//! what every prediction pays after the model has run.
//!
//! `cargo bench -p movinet-benches --bench postprocess`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use movinet::postprocess::{softmax, top_k};
use movinet::Labels;

/// Logits spread like a real prediction's: a few high, most low (the order of the values
/// changes top-k's partial sort a little, so they are not sorted).
fn logits(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let h = (i as u32).wrapping_mul(2_654_435_761) >> 16;
            (h % 1000) as f32 / 100.0 - 5.0
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("postprocess");
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(50);
    for classes in [7, 600] {
        let l = logits(classes);
        let labels = Labels::parse(
            &(0..classes)
                .map(|i| format!("class {i}\n"))
                .collect::<String>(),
        )
        .expect("labels");
        let mut probs = vec![0.0f32; classes];
        group.bench_with_input(BenchmarkId::new("softmax", classes), &l, |b, l| {
            b.iter(|| softmax(black_box(l), &mut probs))
        });
        softmax(&l, &mut probs);
        for k in [1, 5] {
            group.bench_with_input(
                BenchmarkId::new(format!("top{k}_with_labels"), classes),
                &probs,
                |b, p| b.iter(|| top_k(black_box(p), k, Some(&labels))),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
