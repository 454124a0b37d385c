//! How a command prints its result: text for people, or JSON for programs,
//! compact on one line (`-j`) or indented (`-j -p`), as `ip` does.

use crate::error::CliError;
use serde::Serialize;

/// The output format chosen on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Lines of text.
    Text,
    /// JSON on one line (`-j`).
    Json,
    /// Indented JSON (`-j -p`).
    JsonPretty,
}

impl Format {
    /// The format `-j` and `-p` ask for; `-p` alone changes nothing, as
    /// with `ip`.
    pub fn from_flags(json: bool, pretty: bool) -> Self {
        match (json, pretty) {
            (false, _) => Format::Text,
            (true, false) => Format::Json,
            (true, true) => Format::JsonPretty,
        }
    }

    /// Whether the result is printed as JSON.
    pub fn is_json(self) -> bool {
        self != Format::Text
    }

    /// `value` as JSON in this format (text: compact).
    pub fn json_text(self, value: &impl Serialize) -> Result<String, CliError> {
        let text = match self {
            Format::JsonPretty => serde_json::to_string_pretty(value),
            Format::Text | Format::Json => serde_json::to_string(value),
        };
        text.map_err(|e| CliError::Input(format!("cannot format JSON: {e}")))
    }

    /// Prints `value` as JSON in this format, with a newline.
    pub fn print_json(self, value: &impl Serialize) -> Result<(), CliError> {
        println!("{}", self.json_text(value)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_choose_the_format_as_ip_does() {
        assert_eq!(Format::from_flags(false, false), Format::Text);
        assert_eq!(Format::from_flags(false, true), Format::Text);
        assert_eq!(Format::from_flags(true, false), Format::Json);
        assert_eq!(Format::from_flags(true, true), Format::JsonPretty);
        assert!(!Format::Text.is_json() && Format::Json.is_json() && Format::JsonPretty.is_json());
    }

    #[test]
    fn compact_is_one_line_and_pretty_is_indented() {
        let v = serde_json::json!([{"name": "vnic1", "id": 1}]);
        let compact = Format::Json.json_text(&v).unwrap();
        assert_eq!(compact, r#"[{"id":1,"name":"vnic1"}]"#);
        let pretty = Format::JsonPretty.json_text(&v).unwrap();
        assert!(pretty.lines().count() > 1 && pretty.contains("\n    \"id\": 1"), "{pretty}");
        let back: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(back, v);
    }
}
