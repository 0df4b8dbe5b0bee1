//! One labelled recording of one speaker.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::corpus::kind::CorpusKind;
use crate::label::Label;

/// A speaker's gender, as given by the corpus documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Female speaker.
    Female,
    /// Male speaker.
    Male,
}

/// How strongly an emotion was acted (RAVDESS, CREMA-D).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intensity {
    /// CREMA-D "LO".
    Low,
    /// RAVDESS "01", CREMA-D "MD".
    Normal,
    /// RAVDESS "02", CREMA-D "HI".
    High,
    /// CREMA-D "XX": not specified.
    Unspecified,
}

/// Fields that only one corpus has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UtteranceDetails {
    /// EMODB `SSTTTEV.wav`.
    Emodb {
        /// Text code, e.g. `a01`.
        text: String,
        /// Version letter (`a`, `b`, ...): several takes of the same text and emotion.
        version: char,
    },
    /// RAVDESS `03-01-EE-II-SS-RR-AA.wav`.
    Ravdess {
        /// Acted intensity (neutral has only [`Intensity::Normal`]).
        intensity: Intensity,
        /// Statement 1 ("Kids are talking by the door") or 2 ("Dogs are sitting by the door").
        statement: u8,
        /// Repetition 1 or 2.
        repetition: u8,
    },
    /// TESS `<SPK>_<word>_<emotion>.wav`.
    Tess {
        /// The NU-6 target word of "Say the word ___".
        word: String,
    },
    /// IEMOCAP `Session*/sentences/wav/<dialog>/<utterance>.wav`.
    Iemocap {
        /// Session 1 to 5.
        session: u8,
        /// Dialog name, e.g. `Ses01F_impro01`.
        dialog: String,
        /// Improvised (`impro`) rather than scripted dialog.
        improvised: bool,
        /// Start time of the turn in the dialog, seconds.
        start_s: f64,
        /// End time of the turn in the dialog, seconds.
        end_s: f64,
    },
    /// CREMA-D `AAAA_SSS_EEE_II.wav`.
    CremaD {
        /// Sentence code, e.g. `DFA` ("Don't forget a jacket").
        sentence: String,
        /// Acted intensity.
        intensity: Intensity,
    },
    /// SAVEE `<SPK>/<emotion><nn>.wav`.
    Savee {
        /// Sentence number within the emotion (1..=15, neutral 1..=30).
        number: u8,
    },
    /// The built-in synthetic corpus.
    Synthetic {
        /// Speaking-rate factor of the speaker: durations are multiplied by it (0.6 to 1.6).
        time_stretch: f32,
        /// Base pitch of the speaker, Hz.
        pitch_hz: f32,
    },
}

/// One labelled recording: where it is, who speaks, which class it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    /// Identifier unique within the corpus: the file stem (IEMOCAP: the utterance id).
    pub id: String,
    /// The audio file. For utterances of an in-memory [`crate::SyntheticCorpus`] this is the
    /// relative file name the utterance gets from [`crate::SyntheticCorpus::write_wav_files`].
    pub path: PathBuf,
    /// The corpus this utterance comes from.
    pub corpus: CorpusKind,
    /// Speaker identifier, unique within the corpus (e.g. EMODB `03`, RAVDESS `Actor_12`,
    /// TESS `OAF`, IEMOCAP `Ses01F`).
    pub speaker: String,
    /// Gender of the speaker when the corpus documents it.
    pub gender: Option<Gender>,
    /// The class.
    pub label: Label,
    /// The corpus's own code for the label (EMODB `W`, RAVDESS `05`, TESS `ps`, IEMOCAP `exc`).
    pub label_code: String,
    /// Corpus-specific fields.
    pub details: UtteranceDetails,
}

impl Utterance {
    /// The TESS target word, if this is a TESS utterance.
    pub fn word(&self) -> Option<&str> {
        match &self.details {
            UtteranceDetails::Tess { word } => Some(word),
            _ => None,
        }
    }

    /// The IEMOCAP session, if this is an IEMOCAP utterance.
    pub fn session(&self) -> Option<u8> {
        match &self.details {
            UtteranceDetails::Iemocap { session, .. } => Some(*session),
            _ => None,
        }
    }
}
