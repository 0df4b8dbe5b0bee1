//! The branch settings every 2-D MTS layer holds and shows the same way: builders and getters of
//! its scales, branch kernel sizes, sharing, alignment and resampling, the kernel averaging, and
//! the kernel kept in the autodiff graph. Written once, as a macro over the layer's fields
//! (`weight`, `kernel_size`, `branch_kernels`, `scales`, `sharing`, `alignment`, `resampling`).

/// The branch-settings methods, inside an `impl` block of an MTS layer.
macro_rules! branch_settings {
    () => {
        /// The same layer with another [`KernelSharing`](crate::KernelSharing).
        pub fn with_sharing(mut self, sharing: $crate::KernelSharing) -> Self {
            self.sharing = sharing;
            self
        }

        /// The same layer with another [`BranchAlignment`](crate::BranchAlignment).
        pub fn with_alignment(mut self, alignment: $crate::BranchAlignment) -> Self {
            self.alignment = alignment;
            self
        }

        /// The same layer with another [`KernelResampling`](crate::KernelResampling).
        pub fn with_resampling(mut self, resampling: $crate::KernelResampling) -> Self {
            self.resampling = resampling;
            self
        }

        /// The branch scales, in merge order.
        pub fn scales(&self) -> &$crate::ScaleSet {
            &self.scales
        }

        /// The kernel size `[time, freq]` of each branch, in merge order.
        pub fn branch_kernel_sizes(&self) -> &[[usize; 2]] {
            &self.branch_kernels
        }

        /// The size `[time, freq]` of the one trainable kernel.
        pub fn kernel_size(&self) -> [usize; 2] {
            self.kernel_size
        }

        /// How the branch kernels share the trainable kernel.
        pub fn sharing(&self) -> $crate::KernelSharing {
            self.sharing
        }

        /// How branch outputs are aligned.
        pub fn alignment(&self) -> $crate::BranchAlignment {
            self.alignment
        }

        /// How branch kernels are resampled from the trainable kernel.
        pub fn resampling(&self) -> $crate::KernelResampling {
            self.resampling
        }

        /// The published code's per-epoch kernel averaging (mts-method.md section 1.7): the
        /// kernel becomes the mean of itself and, for every branch whose kernel size differs,
        /// the branch kernel resampled back to the original size,
        /// `W <- (W + sum_i up_i(down_i(W))) / (n + 1)`.
        ///
        /// With [`KernelSharing::Detached`](crate::KernelSharing::Detached) this reproduces the
        /// published training when called once per epoch. It is a temporal smoothing of the
        /// kernel; with the default [`KernelSharing::Shared`](crate::KernelSharing::Shared) the
        /// branches already train the kernel and it is not needed. Gradient tracking of the
        /// kernel is kept.
        pub fn average_kernels(mut self) -> Self {
            self.weight =
                $crate::kernel_resampling::average_kernels(self.weight, &self.branch_kernels);
            self
        }

        /// `output` with the kernel kept in the autodiff graph (see
        /// `kernel_resampling::keep_kernel_in_graph`).
        fn keep_kernel_in_graph(&self, output: burn::tensor::Tensor<4>) -> burn::tensor::Tensor<4> {
            let weight = self.weight.val();
            $crate::kernel_resampling::keep_kernel_in_graph(
                output,
                &weight,
                self.sharing,
                &self.branch_kernels,
            )
        }
    };
}

pub(crate) use branch_settings;
