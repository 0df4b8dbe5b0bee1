//! Helpers shared by the integration tests: golden-vector loading and float comparisons.
#![allow(dead_code)]

use std::path::PathBuf;

use burn::tensor::{Device, Int, Tensor, TensorData};
use mts::core::{KernelSharing, ScaleUsage};
use serde::Deserialize;

/// A tensor as the golden JSON files store it: shape and row-major data.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldenTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl GoldenTensor {
    pub fn tensor<const D: usize>(&self, device: &Device) -> Tensor<D> {
        let data: Vec<f32> = self.data.iter().map(|&v| v as f32).collect();
        Tensor::from_data(TensorData::new(data, self.shape.clone()), device)
    }
}

/// Golden gradients of a layer: dL/dx, dL/dW, dL/db.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldenGrads {
    pub input: GoldenTensor,
    pub weight: GoldenTensor,
    pub bias: GoldenTensor,
}

impl GoldenGrads {
    /// Asserts `[dx, dw, db]` match within `rel` (see [`assert_close`]).
    pub fn assert_matches(&self, what: &str, [dx, dw, db]: [Vec<f64>; 3], rel: f64) {
        assert_close(&format!("{what} dL/dx"), &dx, &self.input.data, rel);
        assert_close(&format!("{what} dL/dW"), &dw, &self.weight.data, rel);
        assert_close(&format!("{what} dL/db"), &db, &self.bias.data, rel);
    }
}

/// What every golden layer case holds besides its geometry (flattened into each test's case):
/// the input, the layer's kernel and bias, the cotangent of the output that the gradients are
/// taken against, the forward results and the gradients.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldenLayer {
    pub input: GoldenTensor,
    pub weight: GoldenTensor,
    pub bias: GoldenTensor,
    pub cotangent: GoldenTensor,
    #[serde(flatten)]
    pub forward: GoldenForward,
    #[serde(flatten)]
    pub grads: GoldenSharingGrads,
}

impl GoldenLayer {
    /// Checks a layer's forward results for the golden input on both paths (see
    /// [`on_both_paths`]) against [`forward`](Self::forward): `run` gives the layer's
    /// `forward_with_usage` result and `forward_with_winners` winners.
    pub fn assert_forward<const D: usize>(
        &self,
        name: &str,
        device: &Device,
        rel: f64,
        run: impl Fn(Tensor<D>) -> ((Tensor<D>, ScaleUsage), Tensor<D, Int>),
    ) {
        on_both_paths(|path| {
            let (result, winners) = run(self.input.tensor(device));
            let what = format!("{name} ({path})");
            self.forward.assert_matches(&what, result, winners, rel);
        });
    }
}

/// Golden gradients of a layer in both kernel-sharing modes (flattened into each test's case).
#[derive(Debug, Clone, Deserialize)]
pub struct GoldenSharingGrads {
    pub grad_shared: GoldenGrads,
    pub grad_detached: GoldenGrads,
}

impl GoldenSharingGrads {
    /// Each kernel-sharing mode with its golden gradients.
    pub fn by_sharing(&self) -> [(KernelSharing, &GoldenGrads); 2] {
        [
            (KernelSharing::Shared, &self.grad_shared),
            (KernelSharing::Detached, &self.grad_detached),
        ]
    }
}

/// Golden forward results of a layer: the merged output, the winning branch of each output
/// element and the number of elements each branch wins (flattened into each test's case).
#[derive(Debug, Clone, Deserialize)]
pub struct GoldenForward {
    pub output: GoldenTensor,
    pub winner: GoldenTensor,
    pub usage_counts: Vec<u64>,
}

impl GoldenForward {
    /// Asserts a layer's `forward_with_usage` result and `forward_with_winners` winners match:
    /// the output's shape, its values within `rel` (see [`assert_close`]), the usage counts and
    /// the winners exactly.
    pub fn assert_matches<const D: usize>(
        &self,
        what: &str,
        (output, usage): (Tensor<D>, ScaleUsage),
        winners: Tensor<D, Int>,
        rel: f64,
    ) {
        assert_eq!(output.dims().to_vec(), self.output.shape, "{what}");
        assert_close(what, &values(output), &self.output.data, rel);
        assert_eq!(usage.counts(), &self.usage_counts[..], "{what}");
        let winners: Vec<i64> = winners.into_data().iter::<i64>().collect();
        let expected: Vec<i64> = self.winner.data.iter().map(|&w| w as i64).collect();
        assert_eq!(winners, expected, "{what}");
    }
}

/// Runs `test` on each path of the MTS layers, named: the fused CPU kernels (what Flex runs
/// by default) and the composed tensor ops (`mts::core::with_composed_path`), so that a golden
/// case holds both to the same reference.
pub fn on_both_paths(mut test: impl FnMut(&str)) {
    test("fused path");
    mts::core::with_composed_path(|| test("composed path"));
}

/// `len` pseudo-random values in `[-1, 1)` from a fixed linear congruential generator started at
/// `seed`: the same data on every backend, machine and run.
pub fn uniform(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Path of a file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Reads a fixture JSON file.
pub fn read_json<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// Values of a tensor as f64.
pub fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f64> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("float tensor")
        .into_iter()
        .map(f64::from)
        .collect()
}

/// Asserts that `actual` matches `expected` element-wise within `rel` relative to the element
/// and `rel` relative to the largest magnitude of `expected` (so values that cancel to nearly
/// zero are judged at the scale of the tensor, as float32 arithmetic can only deliver that).
pub fn assert_close(what: &str, actual: &[f64], expected: &[f64], rel: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    let scale = expected.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            approx::relative_eq!(*a, *e, epsilon = rel * scale, max_relative = rel),
            "{what}[{i}]: got {a}, expected {e} (tolerance {rel} relative, scale {scale})"
        );
    }
}
