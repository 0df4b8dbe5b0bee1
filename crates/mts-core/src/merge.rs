//! Merging the branch outputs, brought to the reference grid, by element-wise max.
//!
//! A chain of `max_pair` records, per pair, masks whose backward on the CPU backends costs as
//! much as a convolution. Only the winning branch of each output element receives a gradient,
//! so the merge here finds the winners on detached values (nothing recorded) and records one
//! masked sum, `sum_b branch_b * [winner == b]`, whose backward is one multiplication per
//! branch. Its value is the winner's value, bit for bit, whenever every branch is finite (a
//! losing branch's `±inf` or NaN turns `0 * x` into NaN, where a `max_pair` chain over
//! [`MtsConv2d::forward_branches`](crate::MtsConv2d::forward_branches) would keep them).

use burn::tensor::{Bool, Int, Tensor};

/// The merged output and the winning branch of each of its elements.
pub(crate) struct Merged {
    /// `[batch, channels_out, time_out, freq_out]`.
    pub(crate) output: Tensor<4>,
    /// Same shape as `output`: index of the winning branch, ties to the lowest.
    pub(crate) winners: Tensor<4, Int>,
}

/// Merges branches already on the reference grid by element-wise max; ties go to the earlier
/// branch, which also gets the gradient.
///
/// # Shapes
/// - each branch: `[batch, channels_out, time, freq]`
/// - output and winners: `[batch, channels_out, time, freq]`
pub(crate) fn merge_branches(branches: Vec<Tensor<4>>) -> Merged {
    let mut values = branches.iter().map(|branch| branch.clone().detach());
    let mut best = values.next().expect("an MTS layer has at least one branch");
    // Where each later branch beats every earlier one: strictly greater, so ties stay early.
    let wins: Vec<Tensor<4, Bool>> = values
        .map(|value| {
            let win = value.clone().greater(best.clone());
            best = best.clone().mask_where(win.clone(), value);
            win
        })
        .collect();
    let winners = wins.iter().enumerate().fold(
        Tensor::<4, Int>::zeros(best.shape(), &best.device()),
        |winners, (index, win)| winners.mask_fill(win.clone(), index as i32 + 1),
    );
    if branches.len() == 1 {
        let output = branches.into_iter().next().expect("one branch");
        return Merged { output, winners };
    }
    if !branches.iter().any(Tensor::is_tracked) {
        return Merged {
            output: best,
            winners,
        };
    }
    let output = branches
        .into_iter()
        .enumerate()
        .map(|(index, branch)| branch * winners.clone().equal_elem(index as i32).float())
        .reduce(|sum, term| sum + term)
        .expect("an MTS layer has at least one branch");
    Merged { output, winners }
}

/// The merged output alone, when nobody asks for the winners: the recorded merge of
/// [`merge_branches`] when a branch is tracked, else the plain element-wise max.
///
/// # Shapes
/// - each branch and the output: `[batch, channels_out, time, freq]`
pub(crate) fn merge_or_max(branches: Vec<Tensor<4>>) -> Tensor<4> {
    if branches.iter().any(Tensor::is_tracked) {
        merge_branches(branches).output
    } else {
        max_of(branches)
    }
}

/// Element-wise maximum of the branches, for values nobody differentiates (ties: any branch's
/// value is the same number).
///
/// # Shapes
/// - each branch and the output: `[batch, channels_out, time, freq]`
fn max_of(branches: Vec<Tensor<4>>) -> Tensor<4> {
    branches
        .into_iter()
        .reduce(|best, next| best.max_pair(next))
        .expect("an MTS layer has at least one branch")
}
