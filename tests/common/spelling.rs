//! Ways a hostile server could spell the token back.

#[derive(Debug, Clone, Copy)]
pub enum Spelling {
    Raw,
    PercentUpper,
    PercentLower,
    PercentEveryByte,
    DoublePercent,
    JsonSlash,
    JsonUnicode,
    HtmlDecimal,
    Mixed,
}

pub const SPELLINGS: [Spelling; 9] = [
    Spelling::Raw,
    Spelling::PercentUpper,
    Spelling::PercentLower,
    Spelling::PercentEveryByte,
    Spelling::DoublePercent,
    Spelling::JsonSlash,
    Spelling::JsonUnicode,
    Spelling::HtmlDecimal,
    Spelling::Mixed,
];

impl Spelling {
    /// `token` spelled this way.
    pub fn spell(self, token: &str) -> String {
        let special = |b: u8| !(b.is_ascii_alphanumeric() || b == b'-');
        token
            .bytes()
            .enumerate()
            .map(|(i, b)| match self {
                Spelling::PercentUpper if special(b) => format!("%{b:02X}"),
                Spelling::PercentLower if special(b) => format!("%{b:02x}"),
                Spelling::PercentEveryByte => format!("%{b:02X}"),
                Spelling::DoublePercent if special(b) => format!("%25{b:02X}"),
                Spelling::JsonSlash if b == b'/' => "\\/".to_owned(),
                Spelling::JsonUnicode => format!("\\u{b:04x}"),
                Spelling::HtmlDecimal => format!("&#{b};"),
                Spelling::Mixed if i % 2 == 0 => format!("%{b:02x}"),
                _ => char::from(b).to_string(),
            })
            .collect()
    }
}
