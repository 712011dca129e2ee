//! Bytes to normalised text. Reports arrive as UTF-8 (with or without BOM),
//! GB18030/GBK, or UTF-16 with BOM, with CRLF or CR line ends, and with the
//! compatibility and radical code points PDF converters emit. Everything
//! downstream sees one form: UTF-8, LF, unified ideographs, ASCII digits.

use encoding_rs::{Encoding, GB18030, UTF_16LE, UTF_8};
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// `UTF-8`, `UTF-8 (BOM)`, `GB18030`, `UTF-16LE`, `UTF-16BE`, or another
    /// label chardetng recognised.
    pub encoding: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty file")]
    Empty,
    #[error("binary file: {what} at byte offset {offset}")]
    Binary { what: &'static str, offset: usize },
    #[error("undecodable bytes at line {line} (not UTF-8, UTF-16, GB18030 or Big5)")]
    Undecodable { line: usize },
}

/// Magic numbers of files that are sometimes renamed `.txt`.
const MAGIC: [(&[u8], &str); 6] = [
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (docx/xlsx?)"),
    (b"GIF8", "GIF image"),
    (b"\xd0\xcf\x11\xe0", "OLE document (doc/xls?)"),
];

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Bytes the encoding detector sees.
const DETECT_PREFIX: usize = 4 * 1024;

/// Decodes without replacement characters: an encoding either reads every
/// byte or is not the file's encoding.
fn strict(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom..];
        let label = if enc == UTF_8 {
            "UTF-8 (BOM)"
        } else if enc == UTF_16LE {
            "UTF-16LE"
        } else {
            "UTF-16BE"
        };
        return match strict(enc, body) {
            Some(text) => Ok(Decoded {
                text,
                encoding: label,
            }),
            None => {
                let (_, _, _) = enc.decode(body);
                let bad = std::str::from_utf8(body)
                    .map(|_| 0)
                    .unwrap_or_else(|e| e.valid_up_to());
                Err(DecodeError::Undecodable {
                    line: line_of(body, bad),
                })
            }
        };
    }
    for (magic, what) in MAGIC {
        if bytes.starts_with(magic) {
            return Err(DecodeError::Binary { what, offset: 0 });
        }
    }
    if let Some(offset) = memchr::memchr(0, &bytes[..bytes.len().min(1 << 16)]) {
        return Err(DecodeError::Binary {
            what: "NUL byte",
            offset,
        });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: s.to_string(),
            encoding: "UTF-8",
        });
    }
    // These are Chinese reports: GB18030 (a superset of GBK and GB2312), or
    // Big5. A single-byte encoding would "decode" any bytes, so it is never
    // accepted: such a file is undecodable. Big5 bytes are mostly valid
    // GB18030 too (as nonsense), so a GB18030 reading is taken when it says
    // what every report says, 预算 or 决算; otherwise the detector decides.
    // It sees a prefix only: plenty to tell GB18030 from Big5, and feeding
    // it a whole report costs more than decoding it.
    if let Some(text) = strict(GB18030, bytes) {
        if text.contains("预算") || text.contains("决算") {
            return Ok(Decoded {
                text,
                encoding: "GB18030",
            });
        }
    }
    let mut det = chardetng::EncodingDetector::new();
    let prefix = &bytes[..bytes.len().min(DETECT_PREFIX)];
    det.feed(prefix, prefix.len() == bytes.len());
    let guess = det.guess(None, true);
    let candidates: &[&'static Encoding] = if guess == encoding_rs::BIG5 {
        &[encoding_rs::BIG5, GB18030]
    } else {
        &[GB18030]
    };
    for &enc in candidates {
        if let Some(text) = strict(enc, bytes) {
            return Ok(Decoded {
                text,
                encoding: if enc == GB18030 {
                    "GB18030"
                } else {
                    enc.name()
                },
            });
        }
    }
    let bad = std::str::from_utf8(bytes)
        .map(|_| 0)
        .unwrap_or_else(|e| e.valid_up_to());
    Err(DecodeError::Undecodable {
        line: line_of(bytes, bad),
    })
}

/// CJK Radicals Supplement code points converters emit for common
/// characters, and the unified ideographs they stand for.
const RADICALS: [(char, char); 24] = [
    ('\u{2E84}', '乙'),
    ('\u{2E86}', '冂'),
    ('\u{2E8B}', '㔾'),
    ('\u{2E8C}', '小'),
    ('\u{2E97}', '心'),
    ('\u{2E9F}', '母'),
    ('\u{2EA0}', '民'),
    ('\u{2EA7}', '牛'),
    ('\u{2EB2}', '罒'),
    ('\u{2EC5}', '见'),
    ('\u{2EC6}', '角'),
    ('\u{2EC9}', '贝'),
    ('\u{2ECB}', '车'),
    ('\u{2ED3}', '长'),
    ('\u{2ED4}', '门'),
    ('\u{2ED8}', '青'),
    ('\u{2EDA}', '页'),
    ('\u{2EDB}', '风'),
    ('\u{2EDC}', '飞'),
    ('\u{2EDD}', '食'),
    ('\u{2EE2}', '马'),
    ('\u{2EE9}', '黄'),
    ('\u{2EEC}', '齐'),
    ('\u{2EF0}', '龙'),
];

/// Selective normalisation: radicals and compatibility ideographs become
/// the unified ideographs, full-width digits and letters become ASCII,
/// NBSP a space, zero-width characters go. Full-width punctuation （）：“”
/// stays as printed, because the datasets keep the text as printed.
///
/// Almost every character is kept: runs of kept text are copied as slices,
/// and only characters whose UTF-8 lead byte can start a changed code point
/// are decoded at all (those bytes are searched for; ASCII and the CJK
/// ideographs are never looked at one by one).
pub fn normalize(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut kept_from = 0;
    let digit =
        |k: Option<char>| k.is_some_and(|d| d.is_ascii_digit() || ('０'..='９').contains(&d));
    // U+00A0 starts with C2; U+200B-U+2FDF with E2; U+F900-U+FFEF with
    // EF; U+2F800-U+2FA1F with F0. None of these is a continuation byte,
    // so each is a character boundary: they are searched for (memchr), the
    // rest of the text is not looked at.
    let end = bytes.len();
    let find = |from: usize, found: Option<usize>| found.map_or(end, |k| from + k);
    let mut next_f0 = find(0, memchr::memchr(0xF0, bytes));
    let mut i = 0;
    loop {
        if next_f0 < i {
            next_f0 = find(i, memchr::memchr(0xF0, &bytes[i..]));
        }
        i = find(i, memchr::memchr3(0xC2, 0xE2, 0xEF, &bytes[i..])).min(next_f0);
        if i >= end {
            break;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        let u = c as u32;
        let nfkc = || c.nfkc().collect::<String>();
        let changed: Option<String> = match u {
            0x2E80..=0x2EFF => RADICALS
                .iter()
                .find(|(r, _)| *r == c)
                .map(|(_, ideograph)| ideograph.to_string()),
            0x2F00..=0x2FDF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
            | 0xFF10..=0xFF19
            | 0xFF21..=0xFF3A
            | 0xFF41..=0xFF5A => Some(nfkc()),
            // ． ， － between digits belong to a number.
            0xFF0C..=0xFF0E => {
                let before = text[..i].chars().next_back();
                let next = text[i + len..].chars().next();
                (digit(before) && digit(next) || (u == 0xFF0D && digit(next))).then(nfkc)
            }
            0xA0 => Some(" ".to_string()),
            0x200B..=0x200D | 0xFEFF => Some(String::new()),
            _ => None,
        };
        if let Some(with) = changed {
            out.push_str(&text[kept_from..i]);
            out.push_str(&with);
            kept_from = i + len;
        }
        i += len;
    }
    out.push_str(&text[kept_from..]);
    out
}

/// Line ends to LF.
fn unify_line_ends(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Everything a report text goes through before parsing.
pub fn decode_report(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let d = decode(bytes)?;
    Ok(Decoded {
        text: normalize(&unify_line_ends(d.text)),
        encoding: d.encoding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str =
        "单位：万元\n收支总体情况表\n一、一般公共服务支出 28,023.69\n二、卫生健康支出 1,685.52\n";

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode_report(SAMPLE.as_bytes()).unwrap().encoding, "UTF-8");
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice(SAMPLE.as_bytes());
        let d = decode_report(&b).unwrap();
        assert_eq!(d.encoding, "UTF-8 (BOM)");
        assert_eq!(d.text, SAMPLE);
    }

    #[test]
    fn utf16_with_bom() {
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in SAMPLE.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(
            decode_report(&le).unwrap(),
            Decoded {
                text: SAMPLE.into(),
                encoding: "UTF-16LE"
            }
        );
        assert_eq!(
            decode_report(&be).unwrap(),
            Decoded {
                text: SAMPLE.into(),
                encoding: "UTF-16BE"
            }
        );
    }

    #[test]
    fn gb18030_and_crlf() {
        let crlf = SAMPLE.replace('\n', "\r\n");
        let (bytes, _, _) = GB18030.encode(&crlf);
        let d = decode_report(&bytes).unwrap();
        assert_eq!(d.encoding, "GB18030");
        assert_eq!(d.text, SAMPLE);
    }

    /// The rule of `normalize`, one character at a time.
    fn normalize_reference(text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let digit =
            |k: Option<&char>| k.is_some_and(|d| d.is_ascii_digit() || ('０'..='９').contains(d));
        let mut out = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let u = c as u32;
            match u {
                0x2E80..=0x2EFF => match RADICALS.iter().find(|(r, _)| *r == c) {
                    Some((_, ideograph)) => out.push(*ideograph),
                    None => out.push(c),
                },
                0x2F00..=0x2FDF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F => out.extend(c.nfkc()),
                0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => out.extend(c.nfkc()),
                0xFF0C..=0xFF0E => {
                    let before = i.checked_sub(1).and_then(|k| chars.get(k));
                    if digit(before) && digit(chars.get(i + 1))
                        || (u == 0xFF0D && digit(chars.get(i + 1)))
                    {
                        out.extend(c.nfkc());
                    } else {
                        out.push(c);
                    }
                }
                0xA0 => out.push(' '),
                0x200B..=0x200D | 0xFEFF => {}
                _ => out.push(c),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn normalize_follows_its_rule_on_any_text(
            text in "[a-z0-9 ，．－（）：\u{00A0}\u{200B}\u{FEFF}\u{2ED4}\u{2ECB}\u{2E80}\u{2F00}\u{2F64}\u{F900}\u{FF10}-\u{FF19}\u{FF21}\u{FF41}\u{2F800}\u{2FA1D}部门预算万元é€]{0,40}"
        ) {
            proptest::prop_assert_eq!(normalize(&text), normalize_reference(&text));
        }
    }

    #[test]
    fn big5_is_told_from_gb18030() {
        let traditional = "二〇二四年部門預算\n單位：萬元\n收支總體情況表\n一般公共服務支出 28,023.69\n衛生健康支出 1,685.52\n本年收入合計 29,709.21\n".repeat(3);
        let (bytes, _, _) = encoding_rs::BIG5.encode(&traditional);
        let d = decode_report(&bytes).unwrap();
        assert_eq!(d.encoding, "Big5");
        assert_eq!(d.text, traditional);
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(
            decode(b"\x89PNG\r\n\x1a\n").unwrap_err().to_string(),
            "binary file: PNG image at byte offset 0"
        );
        assert_eq!(
            decode(b"abc\0def"),
            Err(DecodeError::Binary {
                what: "NUL byte",
                offset: 3
            })
        );
        assert_eq!(
            decode(b"ok line\n\xff\xfe\xfd\xfc\x80\x81 not text\n"),
            Err(DecodeError::Undecodable { line: 2 })
        );
    }

    #[test]
    fn pdf_code_points_are_normalised_but_punctuation_stays() {
        assert_eq!(normalize("部⻔预算 公务⽤⻋"), "部门预算 公务用车");
        assert_eq!(normalize("１，２３４．５６万元"), "1,234.56万元");
        assert_eq!(
            normalize("党委办公厅（室）：“三公”"),
            "党委办公厅（室）：“三公”"
        );
        assert_eq!(normalize("a\u{00A0}b\u{200B}c"), "a bc");
        assert_eq!(normalize("－５，合计：１２"), "-5，合计：12");
        assert_eq!(normalize("⻔"), "门");
        assert_eq!(normalize("plain ascii"), "plain ascii");
    }
}
