//! Text shown to a person: what came from outside (a file's content, a folder's name, a CSV
//! header, a formula, an option's value) made safe to print, and cut to a length that fits on
//! a screen.
//!
//! - [`escape`]: control characters (terminal escapes, NUL, CR, line breaks, DEL and the C1
//!   controls) written as visible escapes (`\x1b`, `\x00`, `\r`, `\n`, `\u{9b}`), so that no
//!   byte of a name or a file reaches a terminal raw: a name can neither recolour the screen
//!   nor break a table's line;
//! - [`echo`]: [`escape`], then cut to [`ECHO_CHARS`] characters with `… (N more characters)`:
//!   every message that quotes input quotes it through this;
//! - [`cut`]: a text cut to a number of characters, saying how many were left out.
//!
//! Everything else passes unchanged (letters of every script, emoji, `\`). This layer knows
//! nothing of the rest of the crate.
//!
//! ```
//! use curvegan::text::{echo, escape};
//!
//! assert_eq!(escape("run\u{1b}[31m\nred"), "run\\x1b[31m\\nred");
//! let long = "x".repeat(1000);
//! assert!(echo(&long).ends_with("… (800 more characters)"));
//! ```

use std::borrow::Cow;
use std::fmt::Write;

/// The most characters of an input a message quotes ([`echo`]).
pub const ECHO_CHARS: usize = 200;

/// True for a character [`escape`] rewrites: the C0 controls (with NUL, tab, CR and line
/// feed), DEL and the C1 controls.
pub fn is_escaped(c: char) -> bool {
    c.is_control()
}

/// `text` with every control character written as a visible escape: `\n`, `\r`, `\t`,
/// `\xNN` for the other C0 controls and DEL, `\u{NN}` for the C1 controls. Borrowed when
/// there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_but(text, |_| false)
}

/// [`escape`], but line feeds are kept: for text of several lines built by curvegan (a table,
/// a report) whose fields were escaped already, as a last guard at the printing edge.
pub fn escape_keeping_lines(text: &str) -> Cow<'_, str> {
    escape_but(text, |c| c == '\n')
}

fn escape_but(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_escaped(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !is_escaped(c) || keep(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// `text` cut to its first `max` characters, followed by `… (N more characters)` when it
/// was longer. Borrowed when it was not.
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((at, _)) => Cow::Owned(format!("{}{}", &text[..at], left_out(&text[at..]))),
    }
}

/// `… (N more characters)` for the `rest` a cut leaves out.
fn left_out(rest: &str) -> String {
    match rest.chars().count() {
        1 => "… (1 more character)".to_string(),
        n => format!("… ({n} more characters)"),
    }
}

/// Input quoted in a message: [`escape`]d, then [`cut`] to [`ECHO_CHARS`] characters.
pub fn echo(text: &str) -> String {
    // Cut first (so that a huge input is not escaped whole), then escape what is kept; the
    // count of characters left out is of the input's own characters.
    match text.char_indices().nth(ECHO_CHARS) {
        None => escape(text).into_owned(),
        Some((at, _)) => {
            format!("{}{}", escape(&text[..at]), left_out(&text[at..]))
        }
    }
}

/// [`echo`] of a path, shown as [`std::path::Path::display`] shows it (bytes that are not
/// UTF-8 as `�`).
pub fn echo_path(path: &std::path::Path) -> String {
    echo(&path.to_string_lossy())
}

/// A path as a message shows it: [`escape`]d (not cut: a path is needed whole to act on it).
pub fn path(path: &std::path::Path) -> String {
    escape(&path.to_string_lossy()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(escape("plain ü → 😀 \\"), "plain ü → 😀 \\");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}[31mb"), "a\\x1b[31mb");
        assert_eq!(escape("\0\r\n\t\u{7f}"), "\\x00\\r\\n\\t\\x7f");
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape_keeping_lines("a\nb\u{1b}c\r\n"), "a\nb\\x1bc\\r\n");
    }

    #[test]
    fn long_input_is_cut_with_the_count_of_what_is_left_out() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdef", 4), "abcd… (2 more characters)");
        assert_eq!(cut("ééé", 1), "é… (2 more characters)");
        let long = format!("{}\u{1b}", "é".repeat(ECHO_CHARS));
        assert_eq!(
            echo(&long),
            format!("{}… (1 more character)", "é".repeat(ECHO_CHARS))
        );
        let shown = echo(&"\u{1b}".repeat(1_000_000));
        assert!(shown.len() < 1000 && !shown.contains('\u{1b}'), "{shown}");
        assert!(shown.ends_with("… (999800 more characters)"), "{shown}");
    }
}
