//! A switch to the composed tensor-op path on every backend, for debugging and for tests that
//! hold both paths to the same reference.

use std::cell::Cell;

thread_local! {
    static COMPOSED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every MTS layer ([`MtsConv2d`](crate::MtsConv2d), [`MtsConv1d`](crate::MtsConv1d),
/// [`conv2d_fused`](crate::conv2d_fused)) that starts a forward pass on this thread taking the
/// composed path, burn tensor ops only, also on Flex and NdArray, where the fused CPU kernels
/// (feature `cpu-kernels`) would run otherwise. The backward of a forward pass started inside
/// `f` follows the path its forward took, wherever it is called. Nested calls are allowed;
/// other threads are not affected.
///
/// The two paths give the same results within float rounding (the composed path is the
/// reference the fused kernels are tested against, and the test suite holds both to PyTorch's
/// values), so this is for debugging: is a difference in a model of yours the kernels', or is
/// it there on the composed path too? Expect the composed path to be slower and to use more
/// memory on the CPU backends.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use mts_core::MtsConv2dConfig;
///
/// let device = Device::flex();
/// let layer = MtsConv2dConfig::new([1, 4], [5, 3]).init(&device);
/// let x = Tensor::<4>::ones([2, 1, 20, 12], &device);
/// let composed = mts_core::with_composed_path(|| layer.forward(x.clone()));
/// let fused = layer.forward(x);
/// fused.into_data().assert_approx_eq::<f32>(&composed.into_data(), Default::default());
/// ```
pub fn with_composed_path<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the previous setting back, also when `f` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            COMPOSED.with(|composed| composed.set(self.0));
        }
    }
    let _restore = Restore(COMPOSED.with(|composed| composed.replace(true)));
    f()
}

/// Whether [`with_composed_path`] is in force on this thread.
#[cfg_attr(not(feature = "cpu-kernels"), allow(dead_code))]
pub(crate) fn forced() -> bool {
    COMPOSED.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_is_scoped_nested_undone_on_panic_and_per_thread() {
        assert!(!forced());
        with_composed_path(|| {
            assert!(forced());
            with_composed_path(|| assert!(forced()));
            assert!(forced(), "a nested call keeps the outer setting");
            assert!(!std::thread::spawn(forced).join().unwrap());
        });
        assert!(!forced());
        let panicked = std::panic::catch_unwind(|| with_composed_path(|| panic!("inside")));
        assert!(panicked.is_err());
        assert!(!forced(), "a panic inside undoes the switch");
    }
}
