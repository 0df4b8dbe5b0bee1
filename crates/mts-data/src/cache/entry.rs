//! The on-disk format of one cache entry, and its validation.
//!
//! Little-endian: magic `MTSSPEC\0`, format version (u32), config fingerprint (u128), file size
//! (u64), file content hash (u128), frames (u32), bins (u32), `frames × bins` f32 values
//! row-major, then XXH3-64 of everything before it (u64).

use mts_audio::Spectrogram;
use xxhash_rust::xxh3::xxh3_64;

use super::identity::{ConfigFingerprint, FORMAT_VERSION, FileIdentity};

const MAGIC: &[u8; 8] = b"MTSSPEC\0";
const HEADER_LEN: usize = 8 + 4 + 16 + 8 + 16 + 4 + 4;

/// Why an entry on disk cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntryProblem {
    /// Damaged: bad magic, truncated, wrong length, checksum mismatch, bad shape.
    Corrupt(&'static str),
    /// Intact, but written for another config, file or format version.
    Stale,
}

/// Serialises an entry.
pub(crate) fn encode(
    config: ConfigFingerprint,
    file: FileIdentity,
    spectrogram: &Spectrogram,
) -> Vec<u8> {
    let values = spectrogram.as_slice();
    let mut out = Vec::with_capacity(HEADER_LEN + 4 * values.len() + 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&config.0.to_le_bytes());
    out.extend_from_slice(&file.size.to_le_bytes());
    out.extend_from_slice(&file.content_hash.to_le_bytes());
    out.extend_from_slice(&(spectrogram.frames() as u32).to_le_bytes());
    out.extend_from_slice(&(spectrogram.bins() as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let checksum = xxh3_64(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    out
}

fn le<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&bytes[at..at + N]);
    a
}

/// Parses and checks an entry expected for `config` and `file`.
pub(crate) fn decode(
    bytes: &[u8],
    config: ConfigFingerprint,
    file: FileIdentity,
) -> Result<Spectrogram, EntryProblem> {
    if bytes.len() < HEADER_LEN + 8 {
        return Err(EntryProblem::Corrupt("shorter than the header"));
    }
    if &bytes[..8] != MAGIC {
        return Err(EntryProblem::Corrupt("bad magic"));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 8);
    if xxh3_64(body) != u64::from_le_bytes(le(tail, 0)) {
        return Err(EntryProblem::Corrupt("checksum mismatch"));
    }
    let version = u32::from_le_bytes(le(bytes, 8));
    let entry_config = u128::from_le_bytes(le(bytes, 12));
    let size = u64::from_le_bytes(le(bytes, 28));
    let hash = u128::from_le_bytes(le(bytes, 36));
    if version != FORMAT_VERSION
        || entry_config != config.0
        || size != file.size
        || hash != file.content_hash
    {
        return Err(EntryProblem::Stale);
    }
    let frames = u32::from_le_bytes(le(bytes, 52)) as usize;
    let bins = u32::from_le_bytes(le(bytes, 56)) as usize;
    let values = frames
        .checked_mul(bins)
        .ok_or(EntryProblem::Corrupt("shape overflows"))?;
    if body.len() != HEADER_LEN + 4 * values {
        return Err(EntryProblem::Corrupt("length does not match the shape"));
    }
    let data: Vec<f32> = body[HEADER_LEN..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(le(c, 0)))
        .collect();
    Spectrogram::new(data, frames, bins).map_err(|_| EntryProblem::Corrupt("bad shape"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (ConfigFingerprint, FileIdentity, Spectrogram) {
        let spec = Spectrogram::new((0..12).map(|v| v as f32 * 0.5).collect(), 4, 3).unwrap();
        (
            ConfigFingerprint(42),
            FileIdentity::of_bytes(b"audio"),
            spec,
        )
    }

    #[test]
    fn round_trips() {
        let (config, file, spec) = sample();
        let bytes = encode(config, file, &spec);
        assert_eq!(decode(&bytes, config, file), Ok(spec));
    }

    #[test]
    fn detects_corruption_and_staleness() {
        let (config, file, spec) = sample();
        let bytes = encode(config, file, &spec);
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + 5] ^= 0x10;
        assert!(matches!(
            decode(&flipped, config, file),
            Err(EntryProblem::Corrupt("checksum mismatch"))
        ));
        assert!(matches!(
            decode(&bytes[..bytes.len() - 3], config, file),
            Err(EntryProblem::Corrupt(_))
        ));
        assert!(matches!(
            decode(&bytes[..10], config, file),
            Err(EntryProblem::Corrupt(_))
        ));
        assert_eq!(
            decode(&bytes, ConfigFingerprint(43), file),
            Err(EntryProblem::Stale)
        );
        assert_eq!(
            decode(&bytes, config, FileIdentity::of_bytes(b"other")),
            Err(EntryProblem::Stale)
        );
    }
}
