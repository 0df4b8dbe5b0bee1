//! The random streams of a training run, each derived from the seed and the epoch alone, so that
//! a resumed run draws what an unbroken one does and one stream's draws never move another's.

/// Distinct random streams derived from the seed.
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    /// The order of the training items.
    Shuffle = 1,
    /// The device's stream (dropout).
    Device = 2,
    /// The training augmentation's draws.
    Augment = 3,
}

/// SplitMix64's finaliser: a well-mixed 64-bit value of `z`.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 64-bit seed for `stream` of epoch `epoch` (SplitMix64 finaliser over the mixed inputs).
pub(crate) fn stream_seed(seed: u64, epoch: usize, stream: Stream) -> u64 {
    mix64(
        seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (stream as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_seed_epoch_and_purpose() {
        let a = stream_seed(0, 1, Stream::Shuffle);
        assert_ne!(a, stream_seed(0, 2, Stream::Shuffle));
        assert_ne!(a, stream_seed(1, 1, Stream::Shuffle));
        assert_ne!(a, stream_seed(0, 1, Stream::Device));
        assert_ne!(a, stream_seed(0, 1, Stream::Augment));
        assert_eq!(a, stream_seed(0, 1, Stream::Shuffle));
        // The shuffle and dropout streams are those of runs trained before augmentation
        // existed (the old formula, computed independently), so unaugmented runs are unchanged.
        assert_eq!(a, 15_172_350_692_208_530_252);
        assert_eq!(stream_seed(7, 3, Stream::Device), 393_345_600_840_455_983);
    }
}
