//! What a cache entry is keyed by: the feature config and the file's identity.

use mts_audio::{ContentScreen, SpectrogramConfig};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_128;

/// Version of the entry format (`entry.rs` writes and checks it); part of every key.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Size and content hash (XXH3-128) of an audio file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileIdentity {
    /// Size in bytes.
    pub size: u64,
    /// XXH3-128 of the whole content.
    pub content_hash: u128,
}

impl FileIdentity {
    /// The identity of a file's content.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self {
            size: bytes.len() as u64,
            content_hash: xxh3_128(bytes),
        }
    }
}

/// Everything that changes the cached spectrogram of a file, hashed: the spectrogram config,
/// the content screen, the speed-perturbation factor (only when it is not 1, so plain entries
/// keep the keys they always had) and the cache format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConfigFingerprint(pub u128);

impl ConfigFingerprint {
    /// The fingerprint of a spectrogram config and content screen.
    pub fn new(config: &SpectrogramConfig, screen: Option<&ContentScreen>) -> Self {
        Self::at_speed(config, screen, 1.0)
    }

    /// The fingerprint of a spectrogram config and content screen for audio sped up by `speed`
    /// ([`FeatureExtractor::with_speed`](mts_audio::FeatureExtractor::with_speed)); speed 1
    /// is [`new`](Self::new)'s fingerprint.
    pub fn at_speed(
        config: &SpectrogramConfig,
        screen: Option<&ContentScreen>,
        speed: f64,
    ) -> Self {
        #[derive(Serialize)]
        struct Keyed<'a> {
            cache_format: u32,
            config: &'a SpectrogramConfig,
            screen: Option<&'a ContentScreen>,
            #[serde(skip_serializing_if = "Option::is_none")]
            speed: Option<f64>,
        }
        let keyed = Keyed {
            cache_format: FORMAT_VERSION,
            config,
            screen,
            speed: (speed != 1.0).then_some(speed),
        };
        // Serialising plain structs of numbers and enums cannot fail; an empty string would still
        // give a valid (if shared) key.
        let json = serde_json::to_string(&keyed).unwrap_or_default();
        Self(xxh3_128(json.as_bytes()))
    }

    /// Lower-case hex, 32 digits.
    pub fn hex(&self) -> String {
        format!("{:032x}", self.0)
    }
}

/// The key of one entry: config fingerprint and file identity, hashed together.
pub(crate) fn entry_key(config: ConfigFingerprint, file: FileIdentity) -> u128 {
    let mut bytes = [0u8; 40];
    bytes[..16].copy_from_slice(&config.0.to_le_bytes());
    bytes[16..24].copy_from_slice(&file.size.to_le_bytes());
    bytes[24..].copy_from_slice(&file.content_hash.to_le_bytes());
    xxh3_128(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_changes_with_every_setting() {
        let paper = SpectrogramConfig::paper();
        let base = ConfigFingerprint::new(&paper, None);
        assert_eq!(
            base,
            ConfigFingerprint::new(&SpectrogramConfig::paper(), None)
        );
        let hop = SpectrogramConfig {
            hop_length: 161,
            ..paper.clone()
        };
        assert_ne!(base, ConfigFingerprint::new(&hop, None));
        assert_ne!(
            base,
            ConfigFingerprint::new(&SpectrogramConfig::published_code(), None)
        );
        assert_ne!(
            base,
            ConfigFingerprint::new(&SpectrogramConfig::log_magnitude(), None)
        );
        assert_ne!(
            base,
            ConfigFingerprint::new(&paper, Some(&ContentScreen::default()))
        );
    }

    /// Speed 1 is the plain fingerprint (its key leaves the speed out, so existing entries keep
    /// their keys); other speeds get their own.
    #[test]
    fn the_speed_keys_entries_and_speed_one_keeps_the_old_keys() {
        let paper = SpectrogramConfig::paper();
        let screen = ContentScreen::default();
        let plain = ConfigFingerprint::new(&paper, Some(&screen));
        assert_eq!(
            ConfigFingerprint::at_speed(&paper, Some(&screen), 1.0),
            plain
        );
        let fast = ConfigFingerprint::at_speed(&paper, Some(&screen), 1.1);
        let slow = ConfigFingerprint::at_speed(&paper, Some(&screen), 0.9);
        assert!(fast != plain && slow != plain && fast != slow);
    }

    #[test]
    fn identity_and_key_follow_the_content() {
        let a = FileIdentity::of_bytes(b"RIFF....WAVE");
        let b = FileIdentity::of_bytes(b"RIFF....WAVF");
        assert_eq!(a.size, b.size);
        assert_ne!(a.content_hash, b.content_hash);
        let config = ConfigFingerprint(7);
        assert_ne!(entry_key(config, a), entry_key(config, b));
        assert_ne!(entry_key(config, a), entry_key(ConfigFingerprint(8), a));
    }
}
