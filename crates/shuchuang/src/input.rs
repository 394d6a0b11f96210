//! Text input files in the encodings people have (UTF-8, UTF-16, GB18030/GBK), decoded by
//! `cultivation::text_input`; a file that was not UTF-8 is noted on standard error.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

/// Reads and decodes a text file.
pub fn read_text(path: &Path) -> Result<String> {
    let decoded = cultivation::text_input::read(path)?;
    if decoded.was_converted() {
        let _ = writeln!(
            std::io::stderr(),
            "note: {} is in {}; read as such",
            path.display(),
            decoded.encoding.name()
        );
    }
    Ok(decoded.text)
}
