//! The fused operation under autodiff: the inner backend's forward and a hand-written
//! backward (`cpu::conv_merge_backward`).

use burn::backend::Backend;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::{FloatTensor, IntTensor};

use super::cpu::conv_merge_backward;
use super::{FusedGeometry, MtsKernels};

#[derive(Debug)]
struct ConvMergeBackward;

impl<B: Backend> Backward<B, 3> for ConvMergeBackward {
    /// The input, the flat kernels, the winners and the geometry.
    type State = (FloatTensor<B>, FloatTensor<B>, IntTensor<B>, FusedGeometry);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_kernels, node_bias] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, kernels, winners, geometry) = ops.state;
        let wanted = [
            node_x.is_some(),
            node_kernels.is_some(),
            node_bias.is_some(),
        ];
        let computed = conv_merge_backward::<B>(x, kernels, winners, grad, &geometry, wanted);
        for (node, grad) in [
            (node_x, computed.x),
            (node_kernels, computed.kernels),
            (node_bias, computed.bias),
        ] {
            if let (Some(node), Some(grad)) = (node, grad) {
                grads.register::<B>(node.id, grad);
            }
        }
    }
}

impl<B: Backend + MtsKernels, C: CheckpointStrategy> MtsKernels for Autodiff<B, C> {
    fn mts_conv_merge(
        x: FloatTensor<Self>,
        kernels: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        geometry: FusedGeometry,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        let prep = ConvMergeBackward
            .prepare::<C>([x.node(), kernels.node(), bias.node()])
            .compute_bound()
            .stateful();
        let (x, kernels, bias) = (
            x.into_primitive(),
            kernels.into_primitive(),
            bias.into_primitive(),
        );
        let (output, winners) =
            B::mts_conv_merge(x.clone(), kernels.clone(), bias, geometry.clone());
        match prep {
            OpsKind::Tracked(prep) => {
                let state = (x, kernels, winners.clone(), geometry);
                (prep.finish(state, output), winners)
            }
            OpsKind::UnTracked(prep) => (prep.finish(output), winners),
        }
    }
}
