//! Run events for people and for log shippers: human lines by default, one
//! JSON object per line (`level`, `message`, `report`, `path`, `error`) with
//! `--log-format json`. Everything goes to stderr; stdout stays free.

use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Clone, Copy)]
pub struct Logger {
    pub format: LogFormat,
}

/// One event; fields not known are left out.
#[derive(Debug, Default, Clone, Copy)]
pub struct Event<'a> {
    pub level: &'a str,
    pub message: &'a str,
    pub report: Option<&'a str>,
    pub path: Option<&'a str>,
    pub error: Option<&'a str>,
}

impl Logger {
    pub fn line(&self, e: Event) -> String {
        match self.format {
            LogFormat::Json => {
                let mut m = serde_json::Map::new();
                m.insert("level".into(), e.level.into());
                m.insert("message".into(), e.message.into());
                for (k, v) in [("report", e.report), ("path", e.path), ("error", e.error)] {
                    if let Some(v) = v {
                        m.insert(k.into(), v.into());
                    }
                }
                serde_json::Value::Object(m).to_string()
            }
            LogFormat::Human => {
                let mut s = match e.level {
                    "info" => String::new(),
                    l => format!("{l}: "),
                };
                s.push_str(e.message);
                // Errors name their file already; say it once.
                match (e.path, e.error) {
                    (Some(p), Some(err)) if err.starts_with(p) => s.push_str(&format!(": {err}")),
                    (p, err) => {
                        if let Some(p) = p {
                            s.push_str(&format!(" {p}"));
                        }
                        if let Some(err) = err {
                            s.push_str(&format!(": {err}"));
                        }
                    }
                }
                s
            }
        }
    }

    pub fn emit(&self, e: Event) {
        let line = self.line(e);
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_carry_the_fields() {
        let l = Logger {
            format: LogFormat::Json,
        };
        let line = l.line(Event {
            level: "error",
            message: "report failed",
            report: Some("abc"),
            path: Some("a/b.txt"),
            error: Some("empty file"),
        });
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["level"], "error");
        assert_eq!(v["path"], "a/b.txt");
        assert_eq!(v["error"], "empty file");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn human_lines() {
        let l = Logger {
            format: LogFormat::Human,
        };
        let e = Event {
            level: "warning",
            message: "duplicate",
            path: Some("b.txt"),
            ..Default::default()
        };
        assert_eq!(l.line(e), "warning: duplicate b.txt");
        let e = Event {
            level: "error",
            message: "failed",
            path: Some("b.txt"),
            error: Some("b.txt: empty file"),
            ..Default::default()
        };
        assert_eq!(l.line(e), "error: failed: b.txt: empty file");
    }
}
