//! The channel count a WAV file's `fmt ` chunk or an AIFF file's `COMM` chunk declares, checked
//! before the decoder sees it.
//!
//! symphonia 0.6.1 trusts the channel count of a `WAVE_FORMAT_EXTENSIBLE` header when it builds
//! the 32-bit channel mask: above 32 channels the shift overflows, which panics in a debug build
//! and silently wraps in a release build (the file then decodes as something it is not). It also
//! multiplies an AIFF file's sample size by its channel count in 16 bits, which overflows above
//! 32767 channels. Both counts are refused here, identically in every build profile.

use std::path::Path;

use crate::AudioError;

/// The most channels accepted from a file.
pub const MAX_CHANNELS: usize = 64;

/// `wFormatTag` of a `WAVE_FORMAT_EXTENSIBLE` header, whose channel mask has 32 bits.
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// Channels a `WAVE_FORMAT_EXTENSIBLE` channel mask can describe.
const MAX_EXTENSIBLE_CHANNELS: usize = 32;

/// Checks the channel count of a RIFF/WAVE file's `fmt ` chunk or an AIFF file's `COMM` chunk;
/// anything else, or a file without a complete such chunk, is left to the decoder to judge.
///
/// # Errors
/// [`AudioError::InvalidChannels`] for 0 channels, more than [`MAX_CHANNELS`], or more than 32
/// in a `WAVE_FORMAT_EXTENSIBLE` header.
pub(crate) fn check_wav_header(bytes: &[u8], path: &Path) -> Result<(), AudioError> {
    let Some((format_tag, channels)) = wav_format(bytes) else {
        return Ok(());
    };
    let limit = if format_tag == WAVE_FORMAT_EXTENSIBLE {
        MAX_EXTENSIBLE_CHANNELS
    } else {
        MAX_CHANNELS
    };
    if channels == 0 || channels > limit {
        return Err(AudioError::InvalidChannels {
            path: path.to_path_buf(),
            channels,
        });
    }
    Ok(())
}

/// `(wFormatTag, nChannels)` of the first `fmt ` chunk of a WAV file, or the channel count of
/// the `COMM` chunk of an AIFF/AIFC file (with tag 1: no channel mask), or `None`.
fn wav_format(bytes: &[u8]) -> Option<(u16, usize)> {
    let form = bytes.get(8..12)?;
    match bytes.get(0..4)? {
        b"RIFF" if form == b"WAVE" => {
            let body = chunk_body(bytes, b"fmt ", u32::from_le_bytes)?;
            let format = body.get(..4)?;
            let tag = u16::from_le_bytes([format[0], format[1]]);
            Some((tag, usize::from(u16::from_le_bytes([format[2], format[3]]))))
        }
        // symphonia 0.6.1 multiplies the sample size by the AIFF channel count in 16 bits, which
        // overflows above 32767 channels (found by the fuzz tests).
        b"FORM" if form == b"AIFF" || form == b"AIFC" => {
            let body = chunk_body(bytes, b"COMM", u32::from_be_bytes)?;
            let channels = body.get(..2)?;
            Some((
                1,
                usize::from(u16::from_be_bytes([channels[0], channels[1]])),
            ))
        }
        _ => None,
    }
}

/// The bytes after the header of the first chunk `id` (sizes read by `size`), or `None`.
fn chunk_body<'a>(bytes: &'a [u8], id: &[u8; 4], size: fn([u8; 4]) -> u32) -> Option<&'a [u8]> {
    let mut offset = 12;
    while let Some(header) = bytes.get(offset..offset + 8) {
        let body = offset + 8;
        if &header[0..4] == id {
            return bytes.get(body..);
        }
        let size = size(header[4..8].try_into().ok()?) as usize;
        // Chunks are padded to an even size.
        offset = body.checked_add(size)?.checked_add(size % 2)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(tag: u16, channels: u16) -> Vec<u8> {
        let mut bytes = b"RIFF\0\0\0\0WAVE".to_vec();
        // An odd-sized chunk before `fmt ` (padded to even) must be skipped.
        bytes.extend_from_slice(b"LIST\x03\0\0\0abc\0");
        bytes.extend_from_slice(b"fmt \x10\0\0\0");
        bytes.extend_from_slice(&tag.to_le_bytes());
        bytes.extend_from_slice(&channels.to_le_bytes());
        bytes.extend_from_slice(&[0; 12]);
        bytes
    }

    #[test]
    fn reads_the_fmt_chunk_after_other_chunks() {
        assert_eq!(wav_format(&wav(1, 2)), Some((1, 2)));
        assert_eq!(wav_format(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(wav_format(b"FORM\0\0\0\0AIFF"), None);
        assert_eq!(wav_format(b"OggS\0\0\0\0AIFF"), None);
    }

    #[test]
    fn an_aiff_channel_count_beyond_the_limit_is_refused() {
        let aiff = |channels: u16| {
            let mut bytes = b"FORM\0\0\0\0AIFF".to_vec();
            bytes.extend_from_slice(b"NAME\0\0\0\x01a\0COMM\0\0\0\x12");
            bytes.extend_from_slice(&channels.to_be_bytes());
            bytes.extend_from_slice(&[0; 16]);
            bytes
        };
        assert_eq!(wav_format(&aiff(2)), Some((1, 2)));
        let path = Path::new("x.aiff");
        assert!(check_wav_header(&aiff(64), path).is_ok());
        for channels in [0, 65, 0x8001] {
            let err = check_wav_header(&aiff(channels), path).unwrap_err();
            assert!(
                matches!(err, AudioError::InvalidChannels { channels: c, .. } if c == usize::from(channels)),
                "{err:?}"
            );
        }
    }

    #[test]
    fn channel_counts_beyond_the_format_are_refused() {
        let path = Path::new("x.wav");
        assert!(check_wav_header(&wav(1, 2), path).is_ok());
        assert!(check_wav_header(&wav(WAVE_FORMAT_EXTENSIBLE, 32), path).is_ok());
        for (tag, channels) in [(WAVE_FORMAT_EXTENSIBLE, 33), (1, 0), (1, 65)] {
            let err = check_wav_header(&wav(tag, channels), path).unwrap_err();
            assert!(
                matches!(err, AudioError::InvalidChannels { channels: c, .. } if c == usize::from(channels)),
                "{err:?}"
            );
        }
    }
}
