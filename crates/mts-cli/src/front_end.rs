//! The audio front end a model is trained on: a named [`SpectrogramConfig`] preset.

use std::fmt;

use clap::ValueEnum;
use mts_audio::SpectrogramConfig;
use serde::{Deserialize, Serialize};

/// Which spectrogram a model sees. The chosen config is stored in the model card, so
/// `mts eval` and `mts predict` compute the same features.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    ValueEnum,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FrontEnd {
    /// The paper's text: 20 ms Hann window, 10 ms hop, 161 bins, linear magnitude
    /// ([`SpectrogramConfig::paper`]).
    #[default]
    Paper,
    /// The published code: 1024-sample window, 512 hop, 513 bins, `|X|^(2/3)`
    /// ([`SpectrogramConfig::published_code`]).
    PublishedCode,
    /// The paper's framing with log-compressed magnitude `ln(1 + |X|)`
    /// ([`SpectrogramConfig::log_magnitude`]).
    Log,
}

impl FrontEnd {
    /// Every front end, in the order above.
    pub const ALL: [Self; 3] = [Self::Paper, Self::PublishedCode, Self::Log];

    /// The spectrogram settings of this front end.
    pub fn config(self) -> SpectrogramConfig {
        match self {
            Self::Paper => SpectrogramConfig::paper(),
            Self::PublishedCode => SpectrogramConfig::published_code(),
            Self::Log => SpectrogramConfig::log_magnitude(),
        }
    }

    /// `paper`, `published-code` or `log`, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Paper => "paper",
            Self::PublishedCode => "published-code",
            Self::Log => "log",
        }
    }
}

impl fmt::Display for FrontEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_configs_differ() {
        for front_end in FrontEnd::ALL {
            let parsed = FrontEnd::from_str(front_end.name(), true).unwrap();
            assert_eq!(parsed, front_end);
            let json = serde_json::to_string(&front_end).unwrap();
            assert_eq!(json, format!("\"{}\"", front_end.name()));
            front_end.config().validate().unwrap();
        }
        assert_ne!(FrontEnd::Paper.config(), FrontEnd::Log.config());
        assert_eq!(FrontEnd::PublishedCode.config().n_bins(), 513);
    }
}
