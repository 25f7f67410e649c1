//! [`RecordingFormat`]: the one word for a recording's file format, for
//! every place Vobiz takes one (Start Recording's `file_format`, the
//! `<Conference>` and `<Record>` XML attributes).

/// The file format of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RecordingFormat {
    /// MP3 (Vobiz's default).
    #[default]
    Mp3,
    /// WAV.
    Wav,
}

impl RecordingFormat {
    /// The word Vobiz uses: `mp3` or `wav`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordingFormat::Mp3 => "mp3",
            RecordingFormat::Wav => "wav",
        }
    }
}
