//! Text for a terminal: file names can hold any byte but `/` and NUL, including ESC (which
//! starts the sequences that move the cursor, change colours or set the window title) and
//! newlines (which would forge a line of output). Every name sonority prints goes through
//! [`shown`]; whole messages that may embed names from elsewhere go through [`shown_text`].

use std::path::Path;

/// `path` for a terminal: as `Path::display` (invalid UTF-8 becomes U+FFFD), with every
/// control character escaped as Rust writes it (`\u{1b}`, `\n`, `\t`, ...).
pub fn shown(path: &Path) -> String {
    escape(&path.to_string_lossy(), false)
}

/// A message for a terminal: control characters escaped as in [`shown`], except the newlines
/// that separate its lines.
pub fn shown_text(text: &str) -> String {
    escape(text, true)
}

/// Text on one line: every control character escaped, newlines too.
pub fn one_line(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, keep_newlines: bool) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && !(keep_newlines && c == '\n') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        let name = Path::new("/music/a\u{1b}[31mred\nfake line\t\u{7f}\u{9b}.mp3");
        let shown = shown(name);
        assert_eq!(
            shown,
            "/music/a\\u{1b}[31mred\\nfake line\\t\\u{7f}\\u{9b}.mp3"
        );
        assert!(!shown.chars().any(char::is_control));
        assert_eq!(shown_text("one\ntwo\u{1b}"), "one\ntwo\\u{1b}");
        assert_eq!(one_line("new\nline\u{1b}[31m"), "new\\nline\\u{1b}[31m");
        assert_eq!(
            one_line("Don't \"stop\" — Ünïcode"),
            "Don't \"stop\" — Ünïcode"
        );
        assert_eq!(
            super::shown(Path::new("/plain/Ünïcode.flac")),
            "/plain/Ünïcode.flac"
        );
    }
}
