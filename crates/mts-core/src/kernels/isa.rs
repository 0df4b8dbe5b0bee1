//! Which instruction-set build of the host kernels runs: AVX2 with FMA where the CPU has both,
//! the portable build elsewhere (aarch64, older x86). Decided once per fused operation, when the
//! layer builds its [`FusedGeometry`](super::FusedGeometry), and carried to every kernel it
//! runs, forward and backward; tests force the portable build on an AVX2 machine with
//! [`tests::with_isa`] to run both.

/// An instruction-set build of the host kernels. The AVX2 build can only be obtained from
/// [`detect`](Self::detect) on a CPU that has AVX2 and FMA, so running it is always sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Isa {
    avx2_fma: bool,
}

impl Isa {
    /// The portable build, which every CPU runs.
    pub(crate) const PORTABLE: Self = Self { avx2_fma: false };

    /// The fastest build this CPU runs (detected at run time; no `target-cpu=native` needed).
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            return Self { avx2_fma: true };
        }
        Self::PORTABLE
    }

    /// The build a fused operation started now runs: [`detect`](Self::detect)'s, or in tests
    /// the one [`tests::with_isa`] forces on this thread.
    pub(crate) fn current() -> Self {
        #[cfg(test)]
        if let Some(forced) = tests::forced() {
            return forced;
        }
        Self::detect()
    }

    /// Whether this is the AVX2 build (the CPU then has AVX2 and FMA).
    #[inline(always)]
    pub(crate) fn avx2_fma(self) -> bool {
        self.avx2_fma
    }
}

/// Defines `$name`, which runs `$portable` compiled for AVX2 and FMA when given the AVX2
/// [`Isa`] and the portable build otherwise, and `$avx2`, that AVX2 build. `$portable` should be
/// `#[inline(always)]` so that each build gets its own code. With `$portable::<FMA>`,
/// `$portable` takes a `const FMA: bool`, true in the AVX2 build, where
/// [`mul_add`](super::host::mul_add) fuses (the compiler never fuses a multiply and an add
/// itself). The choice is one branch per call, never per element.
macro_rules! avx2_dispatch {
    ($(#[$meta:meta])* fn $name:ident / $avx2:ident => $portable:ident($($arg:ident: $ty:ty),* $(,)?)) => {
        avx2_dispatch!(@define $(#[$meta])* $name, $avx2, $portable, [], [], $($arg: $ty),*);
    };
    ($(#[$meta:meta])* fn $name:ident / $avx2:ident => $portable:ident::<FMA>($($arg:ident: $ty:ty),* $(,)?)) => {
        avx2_dispatch!(@define $(#[$meta])* $name, $avx2, $portable, [::<true>], [::<false>], $($arg: $ty),*);
    };
    (@define $(#[$meta:meta])* $name:ident, $avx2:ident, $portable:ident, [$($fast:tt)*], [$($slow:tt)*], $($arg:ident: $ty:ty),*) => {
        $(#[$meta])*
        fn $name(isa: $crate::kernels::isa::Isa, $($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if isa.avx2_fma() {
                #[allow(unsafe_code)]
                // SAFETY: the AVX2 build only requires the CPU to support AVX2 and FMA, which
                // an `Isa` that says so was detected to have; it is otherwise the safe
                // portable function.
                unsafe {
                    return $avx2($($arg),*);
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            let _ = isa;
            $portable $($slow)* ($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $avx2($($arg: $ty),*) {
            $portable $($fast)* ($($arg),*)
        }
    };
}
pub(crate) use avx2_dispatch;

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::Cell;

    use super::Isa;

    thread_local! {
        static FORCED: Cell<Option<Isa>> = const { Cell::new(None) };
    }

    /// The build [`with_isa`] forces on this thread, if any.
    pub(super) fn forced() -> Option<Isa> {
        FORCED.with(Cell::get)
    }

    /// Every build this CPU runs: the detected one and the portable one (once each).
    pub(crate) fn available() -> Vec<Isa> {
        let mut builds = vec![Isa::detect(), Isa::PORTABLE];
        builds.dedup();
        builds
    }

    /// Runs `f` with every fused operation started on this thread (forward, and the backward
    /// it records) using `isa`'s build of the host kernels.
    pub(crate) fn with_isa<R>(isa: Isa, f: impl FnOnce() -> R) -> R {
        struct Restore(Option<Isa>);
        impl Drop for Restore {
            fn drop(&mut self) {
                FORCED.with(|forced| forced.set(self.0));
            }
        }
        let _restore = Restore(FORCED.with(|forced| forced.replace(Some(isa))));
        f()
    }

    #[test]
    fn forcing_applies_on_this_thread_only_and_is_undone() {
        let detected = Isa::detect();
        with_isa(Isa::PORTABLE, || {
            assert_eq!(Isa::current(), Isa::PORTABLE);
            let elsewhere = std::thread::spawn(Isa::current).join().unwrap();
            assert_eq!(elsewhere, detected);
        });
        assert_eq!(Isa::current(), detected);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            detected.avx2_fma(),
            std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
        );
    }
}
