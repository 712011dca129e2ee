//! PDF input: a report given as a PDF is turned into `pdftotext -layout`
//! text (poppler), the converter style the layout reader is built for.
//!
//! The PDF's bytes, read once by the pipeline, are piped to pdftotext and
//! its text read back from a pipe: nothing is written next to the input,
//! and the text parsed is that of exactly the bytes the report id is the
//! hash of. A PDF without a text layer, an encrypted or damaged one, and a
//! missing pdftotext are each a failed report whose error says what to do.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

/// `converter` of a report read as text.
pub const TEXT: &str = "text";

/// A pdftotext that hangs on a hostile file must not stall the night.
const TIMEOUT: Duration = Duration::from_secs(300);

/// Is `rel` (a path as discovered) a PDF, by its extension?
pub fn is_pdf(rel: &str) -> bool {
    rel.len() > 4 && rel[rel.len() - 4..].eq_ignore_ascii_case(".pdf")
}

/// The PDF converter of a run: pdftotext, or why there is none. Looked up
/// at the first PDF, so a run of texts never starts it.
#[derive(Debug)]
pub struct Converter {
    explicit: Option<PathBuf>,
    tool: std::sync::OnceLock<Result<Pdftotext, String>>,
}

#[derive(Debug, Clone)]
struct Pdftotext {
    program: PathBuf,
    /// e.g. `pdftotext 22.12.0 -layout`, as `reports.converter` records it.
    label: String,
}

impl Converter {
    /// pdftotext at `explicit` (`--pdftotext`), or on PATH. Not finding it
    /// is not an error of the run: only PDF reports fail, saying so.
    pub fn find(explicit: Option<&Path>) -> Converter {
        Converter {
            explicit: explicit.map(Path::to_path_buf),
            tool: std::sync::OnceLock::new(),
        }
    }

    fn tool(&self) -> &Result<Pdftotext, String> {
        self.tool.get_or_init(|| locate(self.explicit.as_deref()))
    }

    /// What `reports.converter` says for a report at `rel`.
    pub fn label(&self, rel: &str) -> String {
        if !is_pdf(rel) {
            return TEXT.to_string();
        }
        match self.tool() {
            Ok(t) => t.label.clone(),
            Err(_) => "pdftotext (not found)".to_string(),
        }
    }

    /// The text of the report at `rel` with these bytes: the bytes
    /// themselves for a text, pdftotext's output for a PDF.
    pub fn text<'b>(
        &self,
        rel: &str,
        bytes: &'b [u8],
    ) -> Result<std::borrow::Cow<'b, [u8]>, String> {
        if !is_pdf(rel) {
            return Ok(std::borrow::Cow::Borrowed(bytes));
        }
        let tool = self.tool().as_ref().map_err(|e| format!("{rel}: {e}"))?;
        tool.convert(bytes)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| format!("{rel}: {e}"))
    }
}

/// pdftotext at `explicit`, or on PATH, with its version.
fn locate(explicit: Option<&Path>) -> Result<Pdftotext, String> {
    let program = explicit.map_or_else(|| PathBuf::from("pdftotext"), Path::to_path_buf);
    version(&program)
            .map(|v| Pdftotext {
                label: format!("pdftotext {v} -layout"),
                program: program.clone(),
            })
            .map_err(|e| match explicit {
                Some(p) => format!("pdftotext at {} cannot run ({e}); give --pdftotext the path of poppler's pdftotext", p.display()),
                None => format!(
                    "pdftotext not found on PATH ({e}); install poppler (Debian/Ubuntu: \
                     apt-get install poppler-utils) or give its path with --pdftotext PATH"
                ),
            })
}

/// pdftotext's version, from `pdftotext -v` (printed on stderr).
fn version(program: &Path) -> Result<String, String> {
    let out = Command::new(program)
        .arg("-v")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    said.lines()
        .find_map(|l| l.strip_prefix("pdftotext version "))
        .map(|v| v.trim().to_string())
        .ok_or_else(|| format!("`{} -v` did not say it is pdftotext", program.display()))
}

impl Pdftotext {
    fn convert(&self, pdf: &[u8]) -> Result<Vec<u8>, String> {
        let mut child = Command::new(&self.program)
            .args(["-layout", "-enc", "UTF-8", "-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.program.display()))?;
        let (mut stdin, mut stdout, mut stderr) = (
            child.stdin.take().expect("piped"),
            child.stdout.take().expect("piped"),
            child.stderr.take().expect("piped"),
        );
        // Fed and drained at once: a pipe holds 64 KiB, a report is more.
        let (status, text, said) = std::thread::scope(|s| {
            s.spawn(move || {
                // A PDF pdftotext stops reading early closes the pipe: its
                // exit status says why.
                let _ = stdin.write_all(pdf);
            });
            let text = s.spawn(move || {
                let mut b = Vec::new();
                stdout.read_to_end(&mut b).map(|_| b)
            });
            let said = s.spawn(move || {
                let mut b = String::new();
                let _ = stderr.read_to_string(&mut b);
                b
            });
            let status = match child.wait_timeout(TIMEOUT) {
                Ok(Some(status)) => Ok(status),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    Err(format!(
                        "pdftotext took more than {} s and was stopped",
                        TIMEOUT.as_secs()
                    ))
                }
                Err(e) => Err(format!("waiting for pdftotext: {e}")),
            };
            (status, text.join(), said.join())
        });
        let status = status?;
        let said = said.unwrap_or_default();
        let text = match text {
            Ok(Ok(t)) => t,
            _ => return Err("cannot read pdftotext's output".into()),
        };
        if !status.success() {
            return Err(failure(status.code(), &said));
        }
        if !has_text(&text) {
            return Err(
                "the PDF has no text layer (pages of images: a scan?); run OCR on it \
                        first (e.g. `ocrmypdf in.pdf out.pdf`), then give the result"
                    .into(),
            );
        }
        Ok(text)
    }
}

/// Any printed character besides blanks and page breaks?
fn has_text(text: &[u8]) -> bool {
    text.iter().any(|b| !b.is_ascii_whitespace() && *b != 0x0c)
}

/// What a failed pdftotext means for the user (poppler's exit codes: 1
/// cannot open the PDF, 3 permissions).
fn failure(code: Option<i32>, said: &str) -> String {
    let first = said
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("Syntax Warning"))
        .unwrap_or("no message");
    let encrypted = code == Some(3) || said.to_ascii_lowercase().contains("password");
    if encrypted {
        return format!(
            "the PDF is encrypted ({first}); decrypt it first (e.g. `qpdf --decrypt in.pdf out.pdf`, with its password if it has one)"
        );
    }
    match code {
        Some(1) => format!(
            "the PDF is damaged or not a PDF: pdftotext cannot open it ({first}); get an intact copy"
        ),
        Some(c) => format!("pdftotext failed (exit {c}): {first}"),
        None => format!("pdftotext was killed by a signal: {first}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_passed_through_and_pdfs_named_by_extension() {
        let c = Converter::find(Some(Path::new("/nonexistent/pdftotext")));
        assert!(is_pdf("a/报告.PDF") && !is_pdf("a/b.txt") && !is_pdf(".pdf"));
        assert_eq!(c.text("a.txt", b"x").unwrap().as_ref(), b"x");
        assert_eq!(c.label("a.txt"), "text");
        let e = c.text("a/b.pdf", b"%PDF").unwrap_err();
        assert!(
            e.starts_with("a/b.pdf: pdftotext at /nonexistent/pdftotext cannot run"),
            "{e}"
        );
        assert_eq!(c.label("a/b.pdf"), "pdftotext (not found)");
    }

    #[test]
    fn failures_say_what_to_do() {
        let e = failure(Some(1), "Syntax Warning: May not be a PDF file\nSyntax Error: Couldn't find trailer dictionary\n");
        assert!(
            e.contains("damaged or not a PDF") && e.contains("trailer dictionary"),
            "{e}"
        );
        let e = failure(Some(1), "Command Line Error: Incorrect password\n");
        assert!(
            e.contains("encrypted") && e.contains("qpdf --decrypt"),
            "{e}"
        );
        assert!(failure(Some(3), "Permission Error").contains("encrypted"));
        assert!(!has_text(b" \n\x0c\n\x0c"));
        assert!(has_text(b"\x0c\xe9\x83\xa8"));
    }
}
