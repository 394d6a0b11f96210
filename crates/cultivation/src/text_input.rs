//! Text files people bring (CSV, TOML), in the encodings they have: UTF-8 (with or without a
//! byte-order mark), UTF-16 with its mark, and GB18030/GBK, Excel's default for CSV on
//! Chinese Windows. A file that is none of these is refused, naming the encodings tried and
//! the line of the first undecodable byte.

use std::path::Path;

use encoding_rs::{Encoding, GB18030, UTF_8};

use crate::error::{CultivationError, Result};

/// The largest input file read (1 GiB; assumed): bigger inputs are refused rather than
/// exhausting memory.
pub const INPUT_BYTES_MAX: u64 = 1 << 30;

/// A decoded input: its text and the encoding it was in.
#[derive(Debug)]
pub struct Text {
    /// The content as UTF-8.
    pub text: String,
    /// The encoding of the file.
    pub encoding: &'static Encoding,
}

impl Text {
    /// Whether the file was in another encoding than UTF-8 (a caller may say so).
    pub fn was_converted(&self) -> bool {
        self.encoding != UTF_8
    }
}

/// Decodes `bytes` of `file` (see the module documentation).
pub fn decode(bytes: Vec<u8>, file: &Path) -> Result<Text> {
    if let Some((enc, bom)) = Encoding::for_bom(&bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(CultivationError::File {
                path: file.to_path_buf(),
                message: format!(
                    "starts with a {} byte-order mark but is not valid {}",
                    enc.name(),
                    enc.name()
                ),
            });
        }
        return Ok(Text {
            text: text.into_owned(),
            encoding: enc,
        });
    }
    let utf8_error = match String::from_utf8(bytes) {
        Ok(text) => {
            return Ok(Text {
                text,
                encoding: UTF_8,
            });
        }
        Err(e) => e,
    };
    let valid_up_to = utf8_error.utf8_error().valid_up_to();
    let bytes = utf8_error.into_bytes();
    match GB18030.decode_without_bom_handling_and_without_replacement(&bytes) {
        Some(text) => Ok(Text {
            text: text.into_owned(),
            encoding: GB18030,
        }),
        None => Err(CultivationError::FileLine {
            path: file.to_path_buf(),
            line: bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count() + 1,
            message: format!(
                "the file is neither UTF-8 nor GB18030/GBK (byte 0x{:02X} at offset {valid_up_to} is not valid UTF-8, and the file does not decode as GB18030); save it as UTF-8",
                bytes[valid_up_to],
            ),
        }),
    }
}

/// Reads and decodes a text file of at most [`INPUT_BYTES_MAX`] bytes.
pub fn read(path: &Path) -> Result<Text> {
    let file = |message: String| CultivationError::File {
        path: path.to_path_buf(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| file(format!("cannot open: {e}")))?;
    if meta.len() > INPUT_BYTES_MAX {
        return Err(file(format!(
            "{} bytes is more than the {INPUT_BYTES_MAX} bytes an input may have",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| file(format!("cannot read: {e}")))?;
    decode(bytes, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_gbk_and_utf16_are_read_and_other_bytes_refused() {
        let p = Path::new("firms.csv");
        let csv = "uscc,name\n91310110666007217T,上海元象数字科技有限公司\n";
        assert_eq!(decode(csv.as_bytes().to_vec(), p).unwrap().text, csv);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(csv.as_bytes());
        assert_eq!(decode(bom, p).unwrap().text, csv);
        let (gbk, _, _) = encoding_rs::GBK.encode(csv);
        let d = decode(gbk.into_owned(), p).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (csv, GB18030));
        assert!(d.was_converted());
        let mut utf16 = vec![0xFF, 0xFE];
        for u in csv.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(utf16, p).unwrap().text, csv);
        let bad = b"a,b\n1,2\n\x81\x20\xff\n".to_vec();
        let e = decode(bad, p).unwrap_err().to_string();
        assert!(
            e.starts_with("firms.csv:3:") && e.contains("GB18030") && e.contains("UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = read(Path::new("no-such-dir/framework.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("no-such-dir/framework.csv: cannot open"),
            "{e}"
        );
    }
}
