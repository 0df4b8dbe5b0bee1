//! Helpers shared by the integration tests: tiny seeded data sets and parameter snapshots.

#![allow(dead_code)]

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor, TensorData};
use mts_models::{InMemorySet, LabeledSpectrogram, SerModel, SpectrogramSet};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// `per_class` items of each of `classes` classes, each a distinct seeded noise spectrogram of
/// `input_size` with a class-dependent offset.
pub fn noise_set(
    input_size: [usize; 2],
    classes: usize,
    per_class: usize,
    seed: u64,
) -> InMemorySet {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let len = input_size[0] * input_size[1];
    let items = (0..classes * per_class)
        .map(|i| {
            let label = i % classes;
            let features = (0..len)
                .map(|_| rng.random_range(-1.0f32..1.0) + 0.1 * label as f32)
                .collect();
            LabeledSpectrogram::new(features, label)
        })
        .collect();
    InMemorySet::new(input_size, items).unwrap()
}

/// The same items with every label moved to the next class: a validation set that a model
/// fitting the original gets ever more wrong.
pub fn shifted_labels(set: &InMemorySet, classes: usize) -> InMemorySet {
    let items = set
        .items()
        .iter()
        .map(|item| LabeledSpectrogram::new(item.features.clone(), (item.label + 1) % classes))
        .collect();
    InMemorySet::new(set.input_size(), items).unwrap()
}

/// Every float parameter of `model`, in visiting order, as host vectors.
pub fn parameters(model: &SerModel) -> Vec<Vec<f32>> {
    struct Collect(Vec<Vec<f32>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0
                .push(param.val().into_data().try_to_vec::<f32>().unwrap());
        }
    }
    let mut collect = Collect(Vec::new());
    model.visit(&mut collect);
    collect.0
}

/// The first `n` items of `set` as one input batch `[n, 1, time, freq]` on `device`.
pub fn input_batch(set: &InMemorySet, n: usize, device: &Device) -> Tensor<4> {
    let [time, freq] = set.input_size();
    let values: Vec<f32> = (0..n).flat_map(|i| set.features(i).to_vec()).collect();
    Tensor::from_data(TensorData::new(values, [n, 1, time, freq]), device)
}

/// The logits of `model` for `input`, on the host.
pub fn logits(model: &SerModel, input: Tensor<4>) -> Vec<f32> {
    model
        .forward(input)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap()
}
