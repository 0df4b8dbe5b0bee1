//! Bring your own kernel resampling: a named function from (source length, target length) to
//! a weight matrix, which every MTS layer applies as a constant matrix product.

use std::sync::{Mutex, PoisonError};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::MtsConfigError;

/// The weights of a resampling: `weights(source_len, target_len)` is the `[target_len,
/// source_len]` row-major matrix `R` (`target_len · source_len` finite values) that takes a
/// kernel axis `k` of `source_len` taps to `R k`. Both lengths are at least 1.
pub type ResamplingWeights = fn(usize, usize) -> Vec<f64>;

/// A user-defined kernel resampling, for
/// [`KernelResampling::Custom`](crate::KernelResampling::Custom): a name and a
/// [`ResamplingWeights`] function. The layers apply it like the built-in `Cubic` and `Area`,
/// as a product with a constant matrix, so it is differentiable on every backend.
///
/// **The name identifies the method**: two methods of the same name are equal, a config
/// serializes the name only, and deserializing it looks the name up among the methods given
/// to [`register`](Self::register) (an unregistered name is
/// [`MtsConfigError::UnregisteredResampling`]). A function pointer cannot be serialized, and
/// the name keeps `KernelResampling` `Copy` and `Eq`.
///
/// A matrix of the wrong size or with a non-finite weight is a typed error
/// ([`MtsConfigError::ResamplingMatrixSize`], [`MtsConfigError::NonFiniteResamplingWeight`]),
/// found by every layer config's `validate` and `try_init` for the config's branch sizes.
/// Check its laws with the `proptest` feature's `mts_core::proptest_kit::laws`.
#[derive(Clone, Copy)]
pub struct CustomResampling {
    name: &'static str,
    weights: ResamplingWeights,
}

/// The methods that deserialization can find by name.
static REGISTRY: Mutex<Vec<CustomResampling>> = Mutex::new(Vec::new());

impl CustomResampling {
    /// The method `name` whose matrices `weights` gives.
    pub const fn new(name: &'static str, weights: ResamplingWeights) -> Self {
        Self { name, weights }
    }

    /// The method's name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The `[out_len, in_len]` row-major matrix, checked.
    ///
    /// # Errors
    /// [`MtsConfigError::ZeroResamplingLength`] if a length is 0;
    /// [`MtsConfigError::ResamplingMatrixSize`] if the function returns other than
    /// `out_len · in_len` weights; [`MtsConfigError::NonFiniteResamplingWeight`] for the first
    /// NaN or infinite weight.
    pub fn matrix(self, in_len: usize, out_len: usize) -> Result<Vec<f64>, MtsConfigError> {
        if in_len == 0 || out_len == 0 {
            return Err(MtsConfigError::ZeroResamplingLength { in_len, out_len });
        }
        let matrix = (self.weights)(in_len, out_len);
        if matrix.len() != in_len * out_len {
            return Err(MtsConfigError::ResamplingMatrixSize {
                method: self.name,
                in_len,
                out_len,
                len: matrix.len(),
            });
        }
        if let Some(at) = matrix.iter().position(|w| !w.is_finite()) {
            return Err(MtsConfigError::NonFiniteResamplingWeight {
                method: self.name,
                in_len,
                out_len,
                row: at / in_len,
                column: at % in_len,
                value: matrix[at],
            });
        }
        Ok(matrix)
    }

    /// Makes the method known to deserialization under its name; returns the method it
    /// replaces, if one of that name was registered.
    pub fn register(self) -> Option<CustomResampling> {
        let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        let old = registry.iter().position(|m| m.name == self.name);
        let replaced = old.map(|at| registry.remove(at));
        registry.push(self);
        replaced
    }

    /// The registered method called `name`.
    pub fn registered(name: &str) -> Option<CustomResampling> {
        let registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        registry.iter().find(|m| m.name == name).copied()
    }
}

impl PartialEq for CustomResampling {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for CustomResampling {}

impl core::fmt::Debug for CustomResampling {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CustomResampling({:?})", self.name)
    }
}

impl Serialize for CustomResampling {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

impl<'de> Deserialize<'de> for CustomResampling {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::registered(&name)
            .ok_or_else(|| D::Error::custom(MtsConfigError::UnregisteredResampling { name }))
    }
}
