//! Which kernels a fused operation runs, recorded in tests so that the property tests can show
//! that their cases reach every kernel (`tests.rs`). Recorded on the thread that starts the
//! operation (forward or backward), where the choice is made; outside tests [`record`] is
//! empty and compiles to nothing.

use super::isa::Isa;

/// A kernel, or a build of the host kernels, that a fused operation can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kernel {
    /// One branch on the reference grid: burn's `conv2d` alone.
    PlainConvolution,
    /// Branches convolved by burn's `conv2d`, merged on the host.
    BurnForward,
    /// The direct forward for few channels (`direct_conv.rs`, burn-flex's sums).
    FewChannelForward,
    /// The direct forward for 5 to 16 channels (`direct_conv.rs`).
    ManyChannelForward,
    /// Kernel gradients one batch item at a time (`by_item.rs`).
    PerItemKernelGradient,
    /// The direct kernel gradient for the whole batch (`host::weight_gradient`).
    DirectKernelGradient,
    /// The direct input gradient (`direct_conv::input_gradient`).
    DirectInputGradient,
    /// burn's convolution gradients for a branch.
    BurnGradient,
    /// The host kernels' AVX2 and FMA build.
    Avx2Build,
    /// The host kernels' portable build.
    PortableBuild,
}

impl Kernel {
    /// The build `isa` runs.
    pub(crate) fn build(isa: Isa) -> Self {
        if isa.avx2_fma() {
            Self::Avx2Build
        } else {
            Self::PortableBuild
        }
    }
}

/// Notes that the operation running on this thread runs `kernel`.
#[cfg(not(test))]
#[inline(always)]
pub(crate) fn record(_kernel: Kernel) {}

#[cfg(test)]
pub(crate) use tests::record;

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use super::Kernel;

    thread_local! {
        static REACHED: RefCell<BTreeSet<Kernel>> = const { RefCell::new(BTreeSet::new()) };
    }

    /// Notes that the operation running on this thread runs `kernel`.
    pub(crate) fn record(kernel: Kernel) {
        REACHED.with(|reached| reached.borrow_mut().insert(kernel));
    }

    /// The kernels recorded on this thread since the last call, and a fresh record.
    pub(crate) fn take() -> BTreeSet<Kernel> {
        REACHED.with(|reached| reached.take())
    }
}
